@testable import GatewayCore
import Testing

@Suite struct ResultTitleTests {
    @Test func aJobIsNamedByTheProfilesTargetAndCompany() {
        #expect(ResultTitle.job(description: "ignored", targetTitle: "  Staff Engineer\n", company: " Acme ") == "Staff Engineer at Acme")
        // The company is not repeated when the title names it already, whatever its case.
        #expect(ResultTitle.job(description: "", targetTitle: "Engineer at ACME", company: "Acme") == "Engineer at ACME")
    }

    @Test func otherwiseByTheFirstLineOfTheDescriptionThatNamesSomething() {
        #expect(ResultTitle.job(description: "\n  \n## **Senior iOS Engineer**:\nWe build…") == "Senior iOS Engineer")
        #expect(ResultTitle.job(description: "• - \n\t- Barista (part time)\r\nrest") == "Barista (part time)")
        #expect(ResultTitle.job(description: "Zoë’s café — 東京") == "Zoë’s café — 東京")
        #expect(ResultTitle.job(description: "  \n#\n") == "Untitled")
        #expect(ResultTitle.job(description: "") == "Untitled")
    }

    @Test func titlesAreCutTo120Characters() {
        let title = ResultTitle.job(description: String(repeating: "é", count: 300))
        #expect(title.count == ResultTitle.maxLength)
        #expect(title.hasSuffix("…"))
        #expect(ResultTitle.careerPath(currentRole: " Engineer ", targetRole: "Manager\n") == "Engineer → Manager")
    }
}
