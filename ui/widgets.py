"""Widgets every page shares: choosers, the file picker, tables as cards, charts, the window's width, status badges."""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from rectification.outputs.charts.theme import RAG_BADGES, plotly_config
from rectification.rules.rag import deadline_rule, rag_rule

# Streamlit has no Chinese of its own: a selectbox whose text is deleted (it can always be, to type a
# search) or that has no value shows its placeholder, by default "Choose an option". Every selectbox
# and multiselect passes this one (tests/test_interface_language.py checks that none is missing).
CHOOSE = "请选择"


# Streamlit's file picker has no Chinese: its button reads "Upload" and its line "42MB per file • XLSX,
# CSV" (the widget's outer bound, not the importer's limit). Fixed CSS of ours shows 选择文件 and the
# picker's own line instead, per widget (Streamlit gives each keyed widget the class st-key-<key>).
_PICKER_CSS = """<style>
.st-key-{key} [data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p {{font-size: 0}}
.st-key-{key} [data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after
    {{content: "选择文件"; font-size: 0.875rem}}
.st-key-{key} [data-testid="stFileUploaderDropzoneInstructions"] span {{font-size: 0}}
.st-key-{key} [data-testid="stFileUploaderDropzoneInstructions"] span::after {{content: "{note}"; font-size: 0.875rem}}
</style>"""


def file_uploader(label: str, *, key: str, note: str, **kwargs):
    """st.file_uploader in Chinese: its button reads 选择文件 and its line `note` (our own fixed text:
    what to drop there, the real size limit and the types)."""
    if not re.fullmatch(r"[\w\s，。、；：（）「」·.,;:()%-]+", note) or not re.fullmatch(r"[\w-]+", key):
        raise ValueError("a picker's note and key go into CSS: words and punctuation only")
    st.html(_PICKER_CSS.format(key=key, note=note))
    return st.file_uploader(label, key=key, **kwargs)


def show_table(data: pd.DataFrame | Styler | dict, *, cards: tuple[str, ...] = (), **kwargs):
    """st.dataframe for every table a page shows, its text as typed (a clerk's -5 or =1+1 reads -5 or
    =1+1). The grid's own CSV download and copy are off (client.disableDataExport in
    .streamlit/config.toml), so a table leaves the dashboard only through the project's own downloads
    (rectification.exports), which neutralise formula-like text for Excel there and only there.
    `cards`: the columns that name a row; on a phone (narrow()) the rows are then shown as cards, those
    columns on top, the others under them, since a table of five columns puts its key one off screen."""
    frame = data.data if isinstance(data, Styler) else pd.DataFrame(data)
    if cards and narrow():
        return table_cards(frame, heading=cards, key=kwargs.get("key"), links=kwargs.get("column_config"))
    return st.dataframe(data if isinstance(data, Styler) else frame, **kwargs)


def edit_table(frame: pd.DataFrame, **kwargs) -> pd.DataFrame:
    """st.data_editor for a table the user corrects before it is saved (新建整改's draft): its text as
    typed, and, like show_table's grids, no CSV download or copy of its own (client.disableDataExport)."""
    return st.data_editor(frame, **kwargs)


def table_cards(frame: pd.DataFrame, *, heading: tuple[str, ...], key: str | None, links: dict | None) -> None:
    """A table for a phone: a bordered card a row, the `heading` columns on its first line (a RAG column as
    its badge), every other non-empty cell as 「列名：值」, a link column as a button. Text stays text."""
    link_columns = [c for c, conf in (links or {}).items() if _is_link_column(conf)]
    with st.container(key=f"{key}_cards" if key else None):
        for i, row in enumerate(frame.itertuples(index=False)):
            values = dict(zip(frame.columns, row, strict=True))
            with st.container(border=True, key=f"{key}_card_{i}" if key else None):
                rag = values.get("状态") if "状态" in heading and values.get("状态") in RAG_BADGES else None
                named = "　".join(_cell(values[c]) for c in heading if c in values and c != "状态" and _cell(values[c]))
                if rag:
                    rag_line(rag, named)
                else:
                    st.text(named)
                for column, value in values.items():
                    if column in heading or column in link_columns or not _cell(value):
                        continue
                    st.text(f"{column}：{_cell(value)}")
                for column in link_columns:
                    if _cell(values.get(column)):
                        st.link_button(f"{column}：查看", values[column])


def _is_link_column(conf) -> bool:
    return isinstance(conf, dict) and conf.get("type_config", {}).get("type") == "link"


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return ""
    if isinstance(value, pd.Timestamp):
        return f"{value:%Y-%m-%d %H:%M}"
    return str(value).strip()


# --- The width of the browser's window. Streamlit draws one figure at every width, and a script learns
# nothing of the screen from Streamlit itself (st.context has headers, cookies, locale, timezone, no width);
# plotly's own `responsive` only stretches a figure, it does not relayout it. So a components.v2 component
# of a few fixed lines (our own code, never user text) reports whether the window is narrower than 640 px,
# the width where Streamlit itself switches to its phone layout (sidebar over the page). It reports only a
# change: a desktop loads with no extra run; a phone's first run draws the wide layout, the next its own,
# and turning the phone over redraws once more. ---
NARROW_WIDTH = 640


_NARROW_STATE = "viewport_narrow"


def narrow() -> bool:
    """True when the browser's window is narrower than NARROW_WIDTH (a phone): the page then asks
    rectification.charts for its narrow layouts and shows lists as cards. False until the browser has
    said otherwise (and in AppTest, which has no browser)."""
    return bool(st.session_state.get(_NARROW_STATE, False))


def chart(fig, *, key: str | None = None) -> None:
    """A figure as built by rectification.charts, drawn as built (theme=None: the page shows what the
    exported PNG and the briefing show), with the Chinese modebar and its 1600×900 PNG download (a
    narrow figure: as drawn, export_size)."""
    st.plotly_chart(fig, config=plotly_config(fig), theme=None, key=key, width="stretch")


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$])")


def escape_markdown(text: str) -> str:
    """Text shown through a markdown-rendering element (st.success, st.caption…) exactly as typed."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def rag_line(rag: str, text: str, *, where=None) -> None:
    """A status as a coloured badge followed by its reason (the text is escaped, never markdown)."""
    (where or st).markdown(f":{RAG_BADGES[rag]}-badge[{rag}] {escape_markdown(text)}")


def rag_legend(where=None) -> None:
    """The one status legend: the rule from rectification.rules.rag, each colour as its badge."""
    parts = [f":{RAG_BADGES[k]}-badge[{k}] {escape_markdown(v)}" for k, v in rag_rule().items()]
    (where or st).caption("状态颜色　" + "　".join(parts) + "　" + escape_markdown(deadline_rule()))
