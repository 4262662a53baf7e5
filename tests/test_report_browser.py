"""End to end: a person opens the report in a real browser (headless Chromium) and clicks through.

Runs offline: Selenium is given the Debian chromedriver explicitly and told not to fetch
one (SE_OFFLINE), and Chromium runs with a fresh profile and no background networking.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver") or (
    "/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else None
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (CHROMIUM and CHROMEDRIVER),
        reason="needs Debian's chromium and chromium-driver (installed by .ci/run)",
    ),
]

FINDING = "isotretinoin decreases TLR-2 expression on monocytes of acne patients"
STUDY = "Dispenza et al. 2012"


@pytest.fixture(scope="module")
def shipped_report(tmp_path_factory: pytest.TempPathFactory, built_store: Path) -> Path:
    from retinoid_ld.report import build_report

    return build_report(store=built_store, output_dir=tmp_path_factory.mktemp("site") / "report")


@pytest.fixture()
def browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    monkeypatch.setenv("SE_OFFLINE", "true")  # never let Selenium Manager download a driver
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1280,1000",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def test_index_to_finding_to_study(browser, shipped_report, tmp_path):
    from selenium.webdriver.common.by import By

    browser.get(shipped_report.as_uri())
    assert browser.title == "retinoid-ld report · retinoid-ld"
    heading = browser.find_element(By.TAG_NAME, "h1").text
    assert heading.startswith("retinoid-ld: how the retinoid drugs act")
    heatmap = browser.find_element(By.CSS_SELECTOR, "#matrix + figure img")
    assert browser.execute_script(
        "return arguments[0].complete && arguments[0].naturalWidth", heatmap
    ), "the heatmap SVG did not load"

    # Index -> the drug -> one of its findings.
    drugs = browser.find_element(By.XPATH, "//h2[@id='drugs']/following-sibling::ul[1]")
    drugs.find_element(By.LINK_TEXT, "isotretinoin").click()
    assert browser.find_element(By.TAG_NAME, "h1").text == "isotretinoin"
    browser.find_element(By.LINK_TEXT, FINDING).click()

    # The finding page shows what a person needs, in words, not IRIs.
    assert browser.find_element(By.TAG_NAME, "h1").text == FINDING
    facts = {
        dt.text: dd.text
        for dt, dd in zip(
            browser.find_elements(By.CSS_SELECTOR, "dl.facts dt"),
            browser.find_elements(By.CSS_SELECTOR, "dl.facts dd"),
            strict=True,
        )
    }
    assert facts["Drug"] == "isotretinoin CHEBI:6067"
    assert facts["Target"] == "Toll-like receptor 2 PR:000001153"
    assert facts["Aspect"] == "expression"
    assert facts["Direction"] == "↓ decreased"
    assert facts["Cell type"] == "monocyte CL:0000576"
    assert facts["Comparison"] == "during or after treatment versus before treatment"
    assert facts["Study"] == STUDY
    direction = browser.find_element(By.CSS_SELECTOR, "dd .direction")
    assert direction.value_of_css_property("color") == "rgba(33, 102, 172, 1)"  # the heatmap's blue
    purl = browser.find_element(By.LINK_TEXT, "PR:000001153")
    assert purl.get_attribute("href") == "http://purl.obolibrary.org/obo/PR_000001153"

    # Readable on a phone: nothing wider than the screen.
    browser.set_window_size(390, 844)
    assert browser.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth"
    )
    browser.save_screenshot(str(tmp_path / "finding-on-a-phone.png"))
    assert (tmp_path / "finding-on-a-phone.png").read_bytes()[:4] == b"\x89PNG"
    browser.set_window_size(1280, 1000)

    # Finding -> its study.
    browser.find_element(By.LINK_TEXT, STUDY).click()
    assert browser.find_element(By.TAG_NAME, "h1").text == STUDY
    study = browser.find_element(By.CSS_SELECTOR, "dl.facts").text
    assert "Authors\nDispenza et al." in study
    assert "Year\n2012" in study
    rows = browser.find_elements(By.CSS_SELECTOR, "#findings + .table-wrap tbody tr")
    assert any(FINDING in row.text for row in rows)


def test_search_box_filters_the_entries(browser, shipped_report):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.wait import WebDriverWait

    browser.set_window_size(390, 844)  # a phone: the wide heatmap scrolls in its own box
    browser.get(shipped_report.as_uri())
    assert browser.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth"
    )
    box = browser.find_element(By.ID, "site-search")
    box.send_keys("TWEAK")
    box.submit()
    # submit() is a script call that returns before the navigation it starts has finished
    # (CI once read the old page's URL): wait for the search page and its script.
    WebDriverWait(browser, 30).until(
        lambda driver: driver.current_url.split("/")[-1] == "search.html?q=TWEAK"
    )
    filter_box = WebDriverWait(browser, 30).until(
        expected_conditions.visibility_of_element_located((By.ID, "filter"))
    )  # the script revealed it
    assert filter_box.get_attribute("value") == "TWEAK"
    shown = [
        item.text
        for item in browser.find_elements(By.CSS_SELECTOR, "#entries li")
        if item.is_displayed()
    ]
    assert shown and all("TWEAK" in text for text in shown)
    total = len(browser.find_elements(By.CSS_SELECTOR, "#entries li"))
    status = browser.find_element(By.ID, "filter-status").text
    assert status == f"{len(shown)} of {total} entries"
