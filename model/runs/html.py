"""report.html: the report as one self-contained page a researcher can mail to a colleague.

The page is converted from the report's markdown by the small converter below (the
subset our reports use: headings, paragraphs, bullet lists, pipe tables, images, inline
code, bold and italics), so no markdown package is needed. Figures are embedded as base64
data URIs and the style sheet is inline: the page loads nothing from anywhere, runs no
script, and a link is printed as text rather than followed. It carries the generator tag
that marks an HTML page as written by asean-sim (model/files/safe_output.py).
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Callable
from pathlib import Path

from model.files.safe_output import HTML_GENERATOR

IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)\)")
LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
CODE = re.compile(r"`([^`]+)`")
BOLD = re.compile(r"\*\*(.+?)\*\*")
ITALIC = re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
MIME = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml"}

STYLE = """
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
       color: #1a1a1a; background: #fff; margin: 0; }
main { max-width: 1100px; margin: 0 auto; padding: 1.2em 1.5em 3em; }
h1 { font-size: 1.6em; margin: 0.4em 0 0.6em; }
h2 { font-size: 1.25em; margin-top: 1.8em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
h3 { font-size: 1.05em; margin-top: 1.4em; }
code { font: 0.9em/1.3 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace;
       background: #f2f2f2; padding: 0.05em 0.3em; border-radius: 3px; }
.table { overflow-x: auto; margin: 0.8em 0; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #eef2f6; }
tbody tr:nth-child(even) { background: #f8f8f8; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1.2em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #e4e4e4; }
figcaption { font-size: 0.85em; color: #555; }
footer { margin-top: 3em; font-size: 0.8em; color: #666; }
"""
NUMBER = re.compile(r"^[+\-−]?[\d.,]+(%| pts)?$|^n/a$")


def _inline(text: str) -> str:
    """Escape ``text`` and apply the inline markup (code spans are left verbatim)."""
    parts = CODE.split(text)
    out = []
    for i, part in enumerate(parts):
        if i % 2:
            out.append(f"<code>{html.escape(part)}</code>")
            continue
        # a link is shown as its text and, when it differs, its target in brackets
        part = LINK.sub(
            lambda m: m.group(1) if m.group(1) == m.group(2) else f"{m.group(1)} ({m.group(2)})",
            part,
        )
        part = html.escape(part)
        part = BOLD.sub(r"<strong>\1</strong>", part)
        part = ITALIC.sub(r"<em>\1</em>", part)
        out.append(part)
    return "".join(out)


def _cells(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)]


def _table(header: list[str], rows: list[list[str]]) -> str:
    def cell(tag: str, text: str) -> str:
        kind = ' class="num"' if tag == "td" and NUMBER.match(text) else ""
        return f"<{tag}{kind}>{_inline(text)}</{tag}>"

    head = "".join(cell("th", c) for c in header)
    body = "\n".join("<tr>" + "".join(cell("td", c) for c in row) + "</tr>" for row in rows)
    return (
        f'<div class="table"><table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n'
        "</tbody></table></div>"
    )


def markdown_to_html(text: str, image: Callable[[str, str], str]) -> str:
    """The HTML body for ``text``; ``image(alt, src)`` renders an image line."""
    lines = text.splitlines()
    blocks: list[str] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(f"<p>{_inline(' '.join(s.strip() for s in paragraph))}</p>")
            paragraph.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            flush()
            i += 1
            continue
        heading = HEADING.match(line)
        if heading:
            flush()
            level = len(heading.group(1))
            blocks.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
            i += 1
            continue
        if line.lstrip().startswith("|") and i + 1 < len(lines) and RULE.match(lines[i + 1]):
            flush()
            header = _cells(line)
            rows = []
            i += 2
            while i < len(lines) and lines[i].lstrip().startswith("|"):
                row = _cells(lines[i])
                rows.append((row + [""] * len(header))[: len(header)])
                i += 1
            blocks.append(_table(header, rows))
            continue
        if BULLET.match(line):
            flush()
            items: list[str] = []
            while i < len(lines) and lines[i].strip():
                bullet = BULLET.match(lines[i])
                if bullet:
                    items.append(bullet.group(1).strip())
                elif items:  # a continuation line of the item above
                    items[-1] += " " + lines[i].strip()
                i += 1
            blocks.append("<ul>\n" + "\n".join(f"<li>{_inline(t)}</li>" for t in items) + "\n</ul>")
            continue
        alone = IMAGE.fullmatch(line.strip())
        if alone:
            flush()
            blocks.append(image(alone.group(1), alone.group(2)))
            i += 1
            continue
        paragraph.append(line)
        i += 1
    flush()
    return "\n".join(blocks)


def embedded_image(folder: Path) -> Callable[[str, str], str]:
    """An image renderer that embeds files under ``folder`` as data URIs; any other
    source (a URL, a path outside the folder, a missing file) becomes its alt text."""
    root = folder.resolve()

    def render(alt: str, src: str) -> str:
        path = (root / src).resolve()
        mime = MIME.get(path.suffix.lower())
        if (
            "://" in src
            or src.startswith("//")
            or not path.is_relative_to(root)
            or mime is None
            or not path.is_file()
        ):
            return f"<p>[figure {html.escape(alt)} not embedded: {html.escape(src)}]</p>"
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return (
            f'<figure><img src="data:{mime};base64,{data}" alt="{html.escape(alt)}">'
            f"<figcaption>{html.escape(src)}</figcaption></figure>"
        )

    return render


def render_html(markdown: str, folder: Path) -> str:
    """The whole page: the report's markdown, with ``folder``'s figures embedded."""
    title = next(
        (m.group(2) for m in map(HEADING.match, markdown.splitlines()) if m), "asean-sim report"
    )
    body = markdown_to_html(markdown, embedded_image(folder))
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"{HTML_GENERATOR}\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(re.sub(r'[`*]', '', title))}</title>\n"
        f"<style>{STYLE}</style>\n</head>\n<body>\n<main>\n{body}\n"
        "<footer>Written by asean-sim from report.md; figures embedded, no external "
        "resources.</footer>\n</main>\n</body>\n</html>\n"
    )


def write_html_report(folder: Path, source: str = "report.md", name: str = "report.html") -> str:
    """Write ``folder/name`` from ``folder/source``; return the name (for the manifest)."""
    markdown = (folder / source).read_text(encoding="utf-8")
    (folder / name).write_text(render_html(markdown, folder), encoding="utf-8")
    return name
