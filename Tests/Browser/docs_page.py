#!/usr/bin/env python3
"""GET /docs in a real browser: headless Chromium driven by Selenium against a running stack.

    DOCS_TOKEN=<a user's access token> docs_page.py http://127.0.0.1:8080

Checks that the page renders every operation of /openapi.json; that Authorize takes the token;
that "Try it out" then "Execute" on the streaming reach-out call (response media type
text/event-stream) shows a 200 with the streamed events, and on GET /api/v1/usage a 200 with its
JSON; and that the browser saw no Content-Security-Policy violation and logged no error.
Exits 0 when all hold, 1 with a line naming the first that does not (2 on bad usage).

DocsPageTests runs it (with the python of DOCS_BROWSER_PYTHON, a venv holding
selenium==4.51.0) against the stack it starts. Chromium and its driver are Debian's
(`apt-get install chromium chromium-driver`); CHROMIUM and CHROMEDRIVER override their paths.
Nothing is fetched from the network: the driver is given, so Selenium Manager never runs.
"""

import json
import os
import sys
import time
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

# Generous: two shared cores, and a stack of four processes beside the browser.
WAIT_SECONDS = 90
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}

# Records every CSP violation from the first byte of the page on (the console log also shows
# them; this catches those a browser reports without a console line).
VIOLATION_RECORDER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(event.effectiveDirective + " blocked " + (event.blockedURI || "inline")
    + " at " + (event.sourceFile || "?") + ":" + event.lineNumber);
});
"""

REACH_OUT_BODY = json.dumps({
    "profile": {"fullName": "Ada Lovelace", "jobTitle": "Engineer"},
    "counterpartInfo": "Grace Hopper, compiler pioneer at the Navy",
})


class Failure(Exception):
    pass


def documented_operations(base):
    with urllib.request.urlopen(base + "/openapi.json", timeout=30) as response:
        document = json.load(response)
    return {
        (method, path)
        for path, item in document["paths"].items()
        if path.startswith("/")
        for method in item
        if method in HTTP_METHODS
    }


def start_browser():
    options = Options()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1400,1000", "--no-first-run", "--disable-extensions"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": VIOLATION_RECORDER})
    return driver


def wait_for(driver, what, condition):
    try:
        return WebDriverWait(driver, WAIT_SECONDS, poll_frequency=0.2).until(lambda d: condition(d))
    except TimeoutException:
        raise Failure(f"timed out after {WAIT_SECONDS} s waiting for {what}") from None


def check_operations(driver, expected):
    def rendered(d):
        found = set()
        for block in d.find_elements(By.CSS_SELECTOR, ".opblock"):
            paths = block.find_elements(By.CSS_SELECTOR, ".opblock-summary-path, .opblock-summary-path__deprecated")
            methods = block.find_elements(By.CSS_SELECTOR, ".opblock-summary-method")
            if paths and methods:
                found.add((methods[0].text.strip().lower(), paths[0].get_attribute("data-path")))
        return found if found >= expected else None

    try:
        wait_for(driver, f"all {len(expected)} operations to render", rendered)
    except Failure:
        missing = sorted(expected - (rendered(driver) or set()))
        raise Failure(f"operations of /openapi.json missing from /docs: {missing}") from None


def authorize(driver, token):
    driver.find_element(By.CSS_SELECTOR, ".auth-wrapper button.authorize").click()
    field = wait_for(driver, "the bearer token field", lambda d: d.find_element(By.ID, "auth-bearer-value"))
    field.send_keys(token)
    driver.find_element(By.CSS_SELECTOR, ".modal-ux button.modal-btn.authorize").click()
    wait_for(driver, "Authorize to take the token",
             lambda d: any("Authorized" in h.text for h in d.find_elements(By.CSS_SELECTOR, ".modal-ux h6")))
    driver.find_element(By.CSS_SELECTOR, ".modal-ux button.btn-done").click()
    wait_for(driver, "the authorize dialog to close", lambda d: not d.find_elements(By.CSS_SELECTOR, ".modal-ux"))


def open_operation(driver, element_id):
    block = wait_for(driver, f"operation {element_id}", lambda d: d.find_element(By.ID, element_id))
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", block)
    block.find_element(By.CSS_SELECTOR, ".opblock-summary-control").click()
    wait_for(driver, f"{element_id} to expand", lambda d: block.find_elements(By.CSS_SELECTOR, "button.execute"))
    return block


def execute(driver, block, what):
    button = block.find_element(By.CSS_SELECTOR, "button.execute")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()

    def answered(_):
        statuses = block.find_elements(By.CSS_SELECTOR, ".live-responses-table .response .response-col_status")
        bodies = block.find_elements(By.CSS_SELECTOR, ".live-responses-table .response-col_description pre")
        if statuses and statuses[0].text.strip() and bodies:
            return statuses[0].text.strip(), "\n".join(b.get_attribute("textContent") for b in bodies)
        return None

    status, body = wait_for(driver, f"the answer to {what}", answered)
    if not status.startswith("200"):
        raise Failure(f"{what} answered {status} in the page, not 200: {body[:500]}")
    return body


def try_streaming_reach_out(driver, token):
    block = open_operation(driver, "operations-ai-reachOut")
    text = block.find_element(By.CSS_SELECTOR, "textarea.body-param__text")
    text.send_keys(Keys.CONTROL, "a")
    text.send_keys(Keys.DELETE)
    text.send_keys(REACH_OUT_BODY)
    media = block.find_element(By.CSS_SELECTOR, ".response-control-media-type select")
    Select(media).select_by_value("text/event-stream")
    body = execute(driver, block, "POST /api/v1/networking/reach-out (streamed)")
    for expected in ("event: delta", "event: done"):
        if expected not in body:
            raise Failure(f"the streamed reach-out shows no '{expected}': {body[:500]}")
    # The call carried the pasted token (the stack checks tokens, so the 200 says so too).
    curl = block.find_element(By.CSS_SELECTOR, ".curl-command").get_attribute("textContent")
    if "authorization: bearer " + token.lower() not in curl.lower() or "accept: text/event-stream" not in curl.lower():
        raise Failure(f"the reach-out request lacked the token or the event-stream Accept: {curl[:500]}")


def try_usage(driver):
    block = open_operation(driver, "operations-history-getUsage")
    body = execute(driver, block, "GET /api/v1/usage")
    if '"total"' not in body:
        raise Failure(f"GET /api/v1/usage shows no usage totals: {body[:500]}")


def check_console(driver):
    violations = driver.execute_script("return window.__cspViolations || []")
    if violations:
        raise Failure(f"Content-Security-Policy violations: {violations}")
    problems = [
        entry["message"] for entry in driver.get_log("browser")
        if entry["level"] in ("SEVERE", "ERROR") or "Content Security Policy" in entry["message"]
    ]
    if problems:
        raise Failure(f"the browser console has errors: {problems}")


def main():
    if len(sys.argv) != 2 or not os.environ.get("DOCS_TOKEN"):
        print("usage: DOCS_TOKEN=<access token> docs_page.py <gateway base URL>", file=sys.stderr)
        return 2
    base, token = sys.argv[1].rstrip("/"), os.environ["DOCS_TOKEN"]
    started = time.monotonic()
    driver = None
    try:
        expected = documented_operations(base)
        driver = start_browser()
        driver.get(base + "/docs")
        check_operations(driver, expected)
        authorize(driver, token)
        try_streaming_reach_out(driver, token)
        try_usage(driver)
        check_console(driver)
    except (Failure, WebDriverException, OSError) as error:
        message = error.msg if isinstance(error, WebDriverException) else str(error)
        print(f"docs_page.py: FAIL: {type(error).__name__}: {message}", file=sys.stderr)
        return 1
    finally:
        if driver is not None:
            driver.quit()
    print(f"docs_page.py: OK: {len(expected)} operations rendered, token authorized, streamed reach-out "
          f"and usage answered 200, no CSP violation or console error ({time.monotonic() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
