import CareerProto
@testable import GenerationCore
import GenerationTasks
import Testing

@Suite struct DocumentGroundingTests {
    private let grounding = DocumentGrounding(profile: .with {
        $0.fullName = "Ada Lovelace"
        $0.experience = [
            .with { $0.company = "Analytical Engines Ltd"; $0.title = "Software Engineer" },
            .with { $0.company = "Babbage & Co."; $0.title = "Research Assistant" },
        ]
        $0.education = [.with { $0.institution = "Université de Genève"; $0.degree = "MSc Computer Science" }]
        $0.certifications = [.with { $0.name = "AWS Certified Solutions Architect – Associate" }]
        $0.projects = [.with { $0.name = "Difference Engine Emulator" }]
    })

    @Test func aResumeThatStaysWithTheProfilePasses() {
        let resume = """
            # Ada Lovelace
            ada@example.com | London

            ## Professional Summary
            Engineer who worked at Globex once, according to nobody. Summaries are not read.

            ## Professional Experience
            ### Senior Software Engineer | **Analytical Engines**
            London | 2019 – Present
            - Built things for Initech's customers (bullets are not read)
            ### Research Assistant | Babbage
            ### Difference Engine Emulator

            ## Education
            ### MSc Computer Science | Universite de Geneve

            ## Certifications
            - AWS Certified Solutions Architect – Associate (2023)
            """
        #expect(grounding.issues(in: resume).isEmpty)
    }

    @Test func inventedEmployersSchoolsAndCertificationsAreNamed() {
        let resume = """
            # Ada Lovelace

            ## Work Experience
            ### Staff Engineer | Globex Corporation
            ### Software Engineer | Analytical Engines
            ### Consultant | [Initech](https://initech.example)
            ### Staff Engineer | Globex Corporation

            ## Education
            ### PhD | MIT

            ## Licenses & Certifications
            - **Certified Kubernetes Administrator**
            - AWS Certified Solutions Architect - Associate
            """
        #expect(grounding.issues(in: resume) == [
            .init(kind: .employer, name: "Globex Corporation"),
            .init(kind: .employer, name: "Initech"),
            .init(kind: .school, name: "MIT"),
            .init(kind: .certification, name: "Certified Kubernetes Administrator"),
        ])
    }

    @Test func aHeadingWithoutASeparatorIsReadWhole() {
        let resume = """
            ## Experience
            ### Software Engineer at Analytical Engines
            ### Software Engineer at Hooli
            """
        #expect(grounding.issues(in: resume) == [.init(kind: .employer, name: "Software Engineer at Hooli")])
    }

    @Test func onlyTheLayoutsSectionsAreRead() {
        let resume = """
            # Initech
            ## Skills
            ### Globex tooling
            - Certified Kubernetes Administrator
            ## Projects
            ### Hooli search
            """
        #expect(grounding.issues(in: resume).isEmpty)
        #expect(DocumentGrounding.entries(in: "## Simulated answer\n\n### Details\n- item").isEmpty)
    }

    @Test func wordsFoldCaseAccentsAndLegalForms() {
        #expect(DocumentGrounding.words("Babbage & Co.") == ["babbage"])
        #expect(DocumentGrounding.words("Université de Genève") == ["universite", "de", "geneve"])
        #expect(DocumentGrounding.words("The Globex Corporation, Inc.") == ["globex"])
    }

    @Test func warningsNameTheKindAndTheName() {
        #expect(DocumentGrounding.Issue(kind: .school, name: "MIT").warning == "The resume names a school that is not in the profile: MIT")
    }
}

@Suite struct ResumeLayoutTests {
    /// The check reads the layout the resume prompt asks for; the two must not drift apart.
    @Test func theResumePromptAsksForTheLayoutTheCheckReads() throws {
        let prompt = DocumentsTask.resumeInstruction
        for line in ["## Experience", "### {title} | {company}", "## Education", "| {institution}", "## Certifications", "<revision_note>"] {
            #expect(prompt.contains(line), "\(line)")
        }
    }
}
