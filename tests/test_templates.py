"""Template comments must not show on the page."""

from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def test_no_template_comment_runs_over_several_lines():
    # Django's {# … #} ends on its own line; one left open is printed on the page as text.
    open_comments = [f"{path.relative_to(TEMPLATES)}:{number}"
                     for path in TEMPLATES.rglob("*.html")
                     for number, line in enumerate(path.read_text().splitlines(), 1)
                     if "{#" in line and "#}" not in line[line.index("{#"):]]
    assert open_comments == []
