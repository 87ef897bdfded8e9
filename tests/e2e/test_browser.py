"""In a real headless browser (Debian's chromium through Selenium), as an editor works:
log in to the admin, write a draft, preview it, publish it; and see another save arrive live.

Without chromium and chromedriver the test is skipped with the reason printed by `make test`
(`-ra`); with REQUIRE_SERVICES=1, as CI runs it, a missing browser is a failure instead.
"""

import os
import shutil
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from selenium.webdriver.common.keys import Keys

from articles import services
from articles.models import Article, Revision

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
MISSING = "no headless browser here: install Debian's chromium and chromium-driver (.ci/run does) to run this test"


@pytest.fixture
def browser(tmp_path):
    if not (CHROMIUM and CHROMEDRIVER):
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(MISSING + " (REQUIRE_SERVICES=1)")
        pytest.skip(MISSING)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1600"):
        options.add_argument(argument)
    options.add_argument(f"--user-data-dir={tmp_path / 'profile'}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # to read CSP violations
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(0)
    yield driver
    Path(tmp_path / "last-page.png").write_bytes(driver.get_screenshot_as_png())
    # The admin and the preview work under their Content-Security-Policy: nothing was refused.
    refused = [e["message"] for e in driver.get_log("browser") if "Content Security Policy" in e["message"]]
    assert refused == [], refused
    driver.quit()


def _type_in_editor(driver, row: int, *keys) -> None:
    """Click into body row `row`'s paragraph editor and type; a tuple is a chord (Ctrl+B)."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    editor = _wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, f"#blocks-{row} td.field-html .ProseMirror"))
    editor.click()
    for key in keys:
        if isinstance(key, tuple):
            modifier, letter = key
            ActionChains(driver).key_down(modifier).send_keys(letter).key_up(modifier).perform()
        else:
            editor.send_keys(key)


def _wait(driver, condition, seconds: float = 15):
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    ignored = (NoSuchElementException, StaleElementReferenceException)
    return WebDriverWait(driver, seconds, ignored_exceptions=ignored).until(condition)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_editor_writes_previews_and_publishes_in_a_browser(browser, live_server, django_user_model, settings):
    from selenium.webdriver.common.by import By

    settings.EDIT_SESSION_SECONDS = 15  # the page then beats every 5 s
    editor = django_user_model.objects.create_user("zhang", password="portal-test-pw", is_staff=True)
    editor.groups.add(Group.objects.get(name="editor"))
    colleague = django_user_model.objects.create_user("wang", password="x", first_name="王编辑", is_staff=True)
    colleague.groups.add(Group.objects.get(name="editor"))
    driver = browser
    find = driver.find_element

    # Log in.
    driver.get(f"{live_server.url}/admin/login/?next=/admin/articles/article/add/")
    find(By.NAME, "username").send_keys("zhang")
    find(By.NAME, "password").send_keys("portal-test-pw")
    find(By.CSS_SELECTOR, "input[type=submit]").click()
    # The login page's own address names the next page, so wait for the form itself.
    _wait(driver, lambda d: d.find_elements(By.NAME, "title"))

    # Write a draft: a title and two body blocks, typed in the paragraph editor as an editor
    # types them (Ctrl+B for bold).
    find(By.NAME, "title").send_keys("济南发布暴雪橙色预警")
    _type_in_editor(
        driver, 0, "受强冷空气影响，济南今夜起将迎来", (Keys.CONTROL, "b"), "大雪", (Keys.CONTROL, "b"), "。"
    )
    _type_in_editor(driver, 1, "气象部门提醒市民减少外出。")
    find(By.NAME, "_continue").click()
    _wait(driver, lambda d: "/change/" in d.current_url)
    article = Article.objects.get(title="济南发布暴雪橙色预警")
    assert article.status == "draft"
    assert [b.text for b in article.blocks.all()] == [
        "受强冷空气影响，济南今夜起将迎来<strong>大雪</strong>。",
        "气象部门提醒市民减少外出。",
    ]
    change_page = driver.current_url

    # Preview it: the signed link renders the page as readers will see it.
    preview = find(By.ID, "preview-link").get_attribute("href")
    driver.get(preview)
    assert find(By.TAG_NAME, "h1").text == "济南发布暴雪橙色预警"
    assert find(By.CSS_SELECTOR, ".body p strong").text == "大雪"
    assert "草稿" in find(By.CSS_SELECTOR, "[data-testid=status]").text
    assert "热门资讯" in find(By.TAG_NAME, "aside").text

    # Back in the admin, a colleague saves meanwhile: the page says so without a reload.
    driver.get(change_page)
    services.article_update(
        article_id=article.pk, by=colleague, expected_version=article.version, data={"summary": "王编辑加的摘要"}
    )
    _wait(driver, lambda d: "王编辑" in d.find_element(By.ID, "presence-changes").text, seconds=20)

    # Saving this page now is refused and the text stays in the form.
    title = find(By.NAME, "title")
    title.clear()
    title.send_keys("济南发布暴雪橙色预警（更新）")
    find(By.NAME, "_continue").click()
    _wait(driver, lambda d: "没有保存" in d.find_element(By.CSS_SELECTOR, "ul.errorlist.nonfield").text)
    assert find(By.NAME, "title").get_attribute("value") == "济南发布暴雪橙色预警（更新）"
    assert Article.objects.get(pk=article.pk).title == "济南发布暴雪橙色预警"

    # Having seen the change, the editor publishes their page: it replaces the other save.
    find(By.NAME, "_publish").click()
    _wait(driver, lambda d: "已发布" in d.find_element(By.CSS_SELECTOR, ".messagelist").text)
    article.refresh_from_db()
    assert article.status == "published" and article.title == "济南发布暴雪橙色预警（更新）"
    assert [b.text for b in article.blocks.all()] == [
        "受强冷空气影响，济南今夜起将迎来<strong>大雪</strong>。",
        "气象部门提醒市民减少外出。",
    ]
    assert list(Revision.objects.filter(article=article).values_list("action", flat=True)) == [
        "created",
        "edited",
        "edited",
        "published",
    ]

    # Readers get it from the public API.
    driver.get(f"{live_server.url}/api/v1/articles/{article.pk}/")
    assert "济南发布暴雪橙色预警（更新）" in find(By.TAG_NAME, "body").text


# What an editor's day visits, checked at a laptop's and a desktop's size: nothing scrolls sideways.
SIZES = [(1280, 800), (1920, 1080)]
SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "var" / "screenshots"
# The innermost elements that reach past the window, to name in a failure.
_OVERFLOWING = """
const past = (el) => el.getBoundingClientRect().right > window.innerWidth + 1;
const name = (el) => el.tagName.toLowerCase() + (el.className ? "." + String(el.className).split(" ").join(".") : "");
const out = [...document.querySelectorAll("body *")].filter((el) => past(el) && ![...el.children].some(past));
return out.slice(0, 6).map((el) => name(el) + " " + Math.round(el.getBoundingClientRect().right)).join(", ");
"""


# Labels, headings, buttons, links and help a Chinese desk shows: English words in them are
# leftovers. Names of things (Portal, Webhook, CDN, slug...) and what people typed are not.
_ENGLISH = """
const kept = new Set(KEPT);
const places = "h1, h2, h3, th, label, legend, button, .help, .errorlist, .messagelist, caption, "
  + "#nav-sidebar a, .object-tools a, .submit-row a, #changelist-filter summary, #changelist-filter h3, "
  + "input[type=submit], input[type=button], option";
const words = new Set();
for (const element of document.querySelectorAll(places)) {
  if (element.closest(".field-title, .field-title_and_who, .readonly, .select2-selection, #result_list td")) continue;
  if (!element.getClientRects().length && !element.closest(".visually-hidden")) continue;  // not shown
  const shown = element.matches("input") ? element.value : element.matches(".material-icons") ? "" : element.innerText;
  const text = (shown || "") + " " + (element.matches("button") ? element.title : "");
  for (const word of text.match(/[A-Za-z]{3,}/g) || []) if (!kept.has(word.toLowerCase())) words.add(word);
}
return [...words];
""".replace(
    "KEPT",
    str(
        sorted(
            {
                "portal",
                "webhook",
                "webhooks",
                "cdn",
                "slug",
                "api",
                "url",
                "urls",
                "json",
                "etag",
                "html",
                "https",
                "http",
                "jpeg",
                "png",
                "webp",
                "gif",
                "avif",
                "iptc",
                "xmp",
                "exif",
                "utc",
                "gmt",
                "rss",
                "atom",
                "websub",
                "xkey",
            }
        )
    ),
)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_desk_fits_the_window_at_laptop_and_desktop_sizes(browser, live_server, django_user_model, settings):
    from selenium.webdriver.common.by import By

    from articles import preview
    from articles.services import BlockInput, BylineInput
    from media.models import Agency
    from tests.articles.factories import AuthorFactory, OutletFactory, SectionFactory
    from tests.media.factories import make_image

    settings.PUBLIC_BASE_URL = live_server.url  # renditions are linked on the site's public address
    editor = django_user_model.objects.create_user("li", password="portal-test-pw", is_staff=True)
    editor.groups.add(Group.objects.get(name="editor"), Group.objects.get(name="photo_editor"))
    photo = make_image(
        editor,
        caption="当地时间8月18日晚，俄罗斯总统普京乘专机抵达阿塞拜疆首都巴库，开始对阿进行国事访问。",
        creator="某摄影师",
        agency=Agency.objects.create(name="澎湃影像"),
    )
    author = AuthorFactory(name="熊超然", affiliation=OutletFactory(name="观察者网"))
    article = services.article_create(
        by=editor,
        title="普京对阿塞拜疆进行国事访问，两国元首将讨论双边关系与能源合作",  # 29 characters, a long one
        section=SectionFactory(name="国际"),
        bylines=[BylineInput(author=author)],
        body=[
            BlockInput(type="paragraph", text="当地时间8月18日晚，俄罗斯总统<b>普京</b>抵达巴库。" * 6),
            BlockInput(type="heading", text="两国关系"),
            BlockInput(type="image", image=photo, text="普京抵达巴库"),
            BlockInput(type="quote", text="这是一次重要的访问。", attribution="克里姆林宫发言人"),
        ],
    )
    services.article_update(article_id=article.pk, by=editor, expected_version=None, data={"summary": "摘要"})
    driver = browser
    driver.get(f"{live_server.url}/admin/login/")
    driver.find_element(By.NAME, "username").send_keys("li")
    driver.find_element(By.NAME, "password").send_keys("portal-test-pw")
    driver.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    _wait(driver, lambda d: "/login/" not in d.current_url)

    pages = {
        "desk": "/admin/",
        "article-list": "/admin/articles/article/",
        "article-change": f"/admin/articles/article/{article.pk}/change/",
        "photo-change": f"/admin/media/image/{photo.pk}/change/",
        "rail": "/admin/trending/snapshot/",
        "schedule": "/admin/articles/article/schedule/",
        "revision-diff": f"/admin/articles/article/{article.pk}/revisions/2/",
        "preview": preview.preview_path(preview.preview_link_for(article_id=article.pk, by=editor)),
    }
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    wide, english = [], []
    for width, height in SIZES:
        driver.set_window_size(width, height)
        for name, path in pages.items():
            driver.get(live_server.url + path)
            _wait(driver, lambda d: d.execute_script("return document.readyState") == "complete")
            page_width, window_width = driver.execute_script(
                "return [document.documentElement.scrollWidth, window.innerWidth]"
            )
            driver.save_screenshot(str(SCREENSHOTS / f"{name}-{width}.png"))
            if name == "article-change":  # and the body's rows, further down
                driver.execute_script("document.getElementById('blocks-group').scrollIntoView()")
                driver.save_screenshot(str(SCREENSHOTS / f"article-body-{width}.png"))
            if width == SIZES[0][0]:
                english += [f"{name}: {word}" for word in driver.execute_script(_ENGLISH)]
            if page_width > window_width:
                wide.append(
                    f"{name} at {width}: {page_width}px in {window_width}px; {driver.execute_script(_OVERFLOWING)}"
                )
    assert wide == []
    assert english == [], "\n".join(english)

    # The article list gives a title room: a long one takes at most two lines at a laptop's size.
    driver.set_window_size(*SIZES[0])
    driver.get(live_server.url + "/admin/articles/article/")
    title = driver.find_element(By.CSS_SELECTOR, "#result_list .field-title_and_who a")
    line = driver.execute_script("return parseFloat(getComputedStyle(arguments[0]).lineHeight)", title)
    assert title.size["height"] <= 2 * line + 2, (title.size, line)
    # ...and every column shows without scrolling the list sideways.
    results = driver.find_element(By.CSS_SELECTOR, "#changelist .results")
    inner, shown = driver.execute_script("return [arguments[0].scrollWidth, arguments[0].clientWidth]", results)
    assert inner <= shown, (inner, shown)


# A Word document's paragraphs as the clipboard carries them.
_WORD_CLIPBOARD = (
    '<html xmlns:o="urn:schemas-microsoft-com:office:office"><body><!--StartFragment-->'
    '<p class="MsoNormal"><b><span style="font-family:宋体">普京</span></b><span>抵达巴库。<o:p></o:p></span></p>'
    '<p class="MsoNormal"><span style="color:red">两国元首将举行会谈。</span><script>alert(1)</script></p>'
    "<!--EndFragment--></body></html>"
)
_PASTE = """
const target = arguments[0];
const data = new DataTransfer();
data.setData("text/html", arguments[1]);
data.setData("text/plain", "ignored");
target.focus();
target.dispatchEvent(new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true}));
"""


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_editor_pastes_from_word_and_moves_blocks_in_a_browser(browser, live_server, django_user_model):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    editor = django_user_model.objects.create_user("zhao", password="portal-test-pw", is_staff=True)
    editor.groups.add(Group.objects.get(name="editor"))
    article = services.article_create(
        by=editor,
        title="粘贴与排序",
        body=[
            services.BlockInput(type="paragraph", text="旧的第一段"),
            services.BlockInput(type="heading", text="小标题"),
        ],
    )
    driver = browser
    driver.get(f"{live_server.url}/admin/login/?next=/admin/articles/article/{article.pk}/change/")
    driver.find_element(By.NAME, "username").send_keys("zhao")
    driver.find_element(By.NAME, "password").send_keys("portal-test-pw")
    driver.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    paragraph = _wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, "#blocks-0 td.field-html .ProseMirror"))

    # Each row shows the fields of its type only.
    row = driver.find_element(By.ID, "blocks-1")
    assert row.find_element(By.NAME, "blocks-1-text").is_displayed()
    assert not row.find_element(By.CSS_SELECTOR, "td.field-html .prose-editor").is_displayed()
    assert not driver.find_element(By.NAME, "blocks-0-text").is_displayed()
    Select(row.find_element(By.NAME, "blocks-1-type")).select_by_value("quote")
    assert row.find_element(By.NAME, "blocks-1-attribution").is_displayed()
    Select(row.find_element(By.NAME, "blocks-1-type")).select_by_value("heading")
    assert not row.find_element(By.NAME, "blocks-1-attribution").is_displayed()

    # Paste two paragraphs from Word over the first block's text, then move that block down.
    driver.execute_script("arguments[0].focus(); document.execCommand('selectAll')", paragraph)
    driver.execute_script(_PASTE, paragraph, _WORD_CLIPBOARD)
    _wait(driver, lambda d: "两国元首" in paragraph.text)
    driver.find_element(By.CSS_SELECTOR, "#blocks-0 button.block-move:nth-of-type(2)").click()  # ↓
    assert [r.get_attribute("id") for r in driver.find_elements(By.CSS_SELECTOR, ".body-blocks tbody tr.form-row")][
        :2
    ] == ["blocks-1", "blocks-0"]
    driver.find_element(By.NAME, "_continue").click()
    _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".messagelist"))

    assert [(b.type, b.text) for b in Article.objects.get(pk=article.pk).blocks.order_by("position")] == [
        ("heading", "小标题"),
        ("paragraph", "<strong>普京</strong>抵达巴库。"),
        ("paragraph", "两国元首将举行会谈。"),
    ]

    # Five megabytes pasted into a block: the page is not sent (the server would refuse to read
    # it), the editor is told why, and the text is still on the page.
    version = Article.objects.get(pk=article.pk).version
    heading = driver.find_element(By.CSS_SELECTOR, ".body-blocks textarea[name$='-text']")
    driver.execute_script("arguments[0].value = '长'.repeat(5 * 1024 * 1024 / 3);", heading)
    driver.find_element(By.NAME, "_continue").click()
    note = _wait(driver, lambda d: d.find_element(By.ID, "block-size-note"))
    assert "MB" in note.text and "没有丢失" in note.text
    assert len(heading.get_attribute("value")) == 5 * 1024 * 1024 // 3
    assert Article.objects.get(pk=article.pk).version == version
