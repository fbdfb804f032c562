"""Chinese for Streamlit's own English: its tooltips, labels and empty date fields."""

from __future__ import annotations

import streamlit as st

from ui.widgets import CHOOSE

# --- Streamlit's own English. Streamlit has no interface language: its buttons' tooltips and labels
# (「Fullscreen」 on every chart and table, 「Download as CSV」, 「Search」, 「Show/hide columns」), the
# date picker's 「Choose date」, 「Press Enter to apply」 under a text box, 「No results」 in a list,
# 「Running...」 are fixed English in its bundle, and plotly's Fullscreen button is Streamlit's too (a
# string title, which plotly's zh-CN locale does not translate). Hiding them would take away the
# table's search and full screen (its own download is off: client.disableDataExport). So a components.v2 component of fixed lines (our own code and these
# fixed words, never user text) puts the Chinese in: once per browser tab, a MutationObserver rewrites
# the known English in the attributes that show as tooltips or are read out (aria-label, title,
# plotly's data-title, placeholder) and in text nodes, whenever Streamlit draws them again. A word
# Streamlit renames in a later release stays English: tests/test_browser_language.py walks the pages
# and names it. The date field's empty yyyy/mm/dd is text React keeps in an editable field, so CSS,
# not the observer, shows 年/月/日 there (the field is hard-wired to en-US, whatever `format`).
INTERFACE_WORDS = {
    "Fullscreen": "全屏",
    "Close fullscreen": "退出全屏",
    "Exit fullscreen": "退出全屏",
    "Download as CSV": "下载为 CSV",
    "Search": "搜索",
    "Close Search": "关闭搜索",
    "Previous Result": "上一个结果",
    "Next Result": "下一个结果",
    "Show/hide columns": "显示/隐藏列",
    "Dataframe column menu": "列菜单",
    "Copy column name": "复制列名",
    "Open": "展开",
    "Close": "关闭",
    "Clear value": "清除",
    "Clear all": "全部清除",
    "Select all": "全选",
    "Selected values": "已选",
    "No results": "无匹配项",
    "Choose an option": CHOOSE,
    "Choose options": CHOOSE,
    "No options to select": "没有可选项",
    "Choose date": "选择日期",
    "Choose date range": "选择日期范围",
    "Quick select a date range": "快速选择日期范围",
    "Clear date": "清除日期",
    "Clear dates": "清除日期",
    "Previous month": "上个月",
    "Next month": "下个月",
    "Use arrow keys to navigate dates. Enter to select. Escape to close.": "方向键选择日期，回车确定，Esc 关闭。",
    "Empty": "未填",
    # not 「显示密码」: the password box is found by its label 密码, and this button sits inside it
    "Show password": "显示明文",
    "Hide password": "隐藏明文",
    "Increment": "增加",
    "Decrement": "减少",
    "Link to heading": "链接到此标题",
    "Sidebar": "侧栏",
    "App pages": "页面",
    "Collapse sidebar": "收起侧栏",
    "Expand sidebar": "展开侧栏",
    "Main menu": "菜单",
    "Skip to main content": "跳到正文",
    "file upload": "上传文件",
    "Running...": "运行中…",
    "Stop": "停止",
    "Stop script": "停止运行",
    "Scroll tabs left": "向左滚动",
    "Scroll tabs right": "向右滚动",
    "Press Enter to apply": "按回车键确认",
    "Press Enter to submit form": "按回车键提交",
    "Press Ctrl+Enter to apply": "按 Ctrl+回车键确认",
    "Press Ctrl+Enter to submit form": "按 Ctrl+回车键提交",
    "Press ⌘+Enter to apply": "按 ⌘+回车键确认",
    "Press ⌘+Enter to submit form": "按 ⌘+回车键提交",
}
# Labels Streamlit builds around a widget's own label: (pattern, replacement), as JavaScript's replace.
INTERFACE_PATTERNS = [
    (r"^Help for (.+)$", "$1：说明"),
    (r"^Remove (.+)$", "移除 $1"),
    (r"^Select (\d+) matches$", "选择 $1 个匹配项"),
    (r"^year, (.+)$", "年，$1"),
    (r"^month, (.+)$", "月，$1"),
    (r"^day, (.+)$", "日，$1"),
    (r"^(.+) start date$", "$1 开始日期"),
    (r"^(.+) end date$", "$1 结束日期"),
    (r"^(.+) — start$", "$1 — 起"),
    (r"^(.+) — end$", "$1 — 止"),
    (r"^Choose date, (.+)$", "选择日期，$1"),
    (r"^Choose date range, (.+)$", "选择日期范围，$1"),
]
_LANGUAGE_JS = """
export default function({ data }) {
    // One observer for the tab: the page outlives the script's runs and Streamlit's page changes.
    if (window.rectificationChinese) return;
    window.rectificationChinese = true;
    const words = data.words;
    const patterns = data.patterns.map(([find, put]) => [new RegExp(find), put]);
    const attributes = ["aria-label", "title", "data-title", "placeholder", "aria-valuetext"];
    const chinese = value => {
        const trimmed = value.trim();
        if (Object.hasOwn(words, trimmed)) return value.replace(trimmed, words[trimmed]);
        for (const [find, put] of patterns) if (find.test(trimmed)) return trimmed.replace(find, put);
        return null;
    };
    const fixAttributes = element => {
        for (const name of attributes) {
            const value = element.getAttribute(name);
            const fixed = value && chinese(value);
            if (fixed && fixed !== value) element.setAttribute(name, fixed);
        }
    };
    const fixText = node => {
        // Not what the page shows as given (the report's text, names, notes, options), not the date
        // field's editable segments (CSS shows their placeholders).
        if (!node.nodeValue.trim() || node.parentElement?.closest(data.untouched)) return;
        const fixed = chinese(node.nodeValue);
        if (fixed && fixed !== node.nodeValue) node.nodeValue = fixed;
    };
    const fixTree = root => {
        if (root.nodeType === Node.TEXT_NODE) return fixText(root);
        if (root.nodeType !== Node.ELEMENT_NODE) return;
        fixAttributes(root);
        root.querySelectorAll("[aria-label], [title], [data-title], [placeholder], [aria-valuetext]").forEach(fixAttributes);
        const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
        while (walker.nextNode()) fixText(walker.currentNode);
    };
    new MutationObserver(changes => {
        for (const change of changes) {
            if (change.type === "attributes") fixAttributes(change.target);
            else if (change.type === "characterData") fixText(change.target);
            else change.addedNodes.forEach(fixTree);
        }
    }).observe(document.body, {
        subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: attributes,
    });
    fixTree(document.body);
}
"""
_UNTOUCHED = ", ".join(
    [
        *(f'[data-testid="{t}"]' for t in ("stMarkdown", "stText", "stCaptionContainer", "stHeading", "stCode")),
        *(f'[data-testid="{t}"]' for t in ("stAlert", "stTable", "stDataFrame")),
        '[data-testid="stExpander"] summary',
        '[role="option"]',
        "[contenteditable]",
        "textarea",
        "input",
        "script",
        "style",
    ]
)
_language = st.components.v2.component("rectification_language", js=_LANGUAGE_JS)
_DATE_PLACEHOLDER_CSS = "".join(
    f'[data-testid="stDateInputField"] [role="spinbutton"][data-placeholder="true"][data-type="{part}"]::after'
    f' {{content: "{zh}"; font-size: var(--rectification-date-size)}}'
    for part, zh in (("year", "年"), ("month", "月"), ("day", "日"))
)


def chinese_interface() -> None:
    """Streamlit's own English in Chinese (page_header does it on every page; see INTERFACE_WORDS)."""
    _language(key="language", data={"words": INTERFACE_WORDS, "patterns": INTERFACE_PATTERNS, "untouched": _UNTOUCHED})
    st.html(
        "<style>"
        '[data-testid="stDateInputField"] {--rectification-date-size: 0.875rem}'
        '[data-testid="stDateInputField"] [role="spinbutton"][data-placeholder="true"] {font-size: 0}'
        f"{_DATE_PLACEHOLDER_CSS}</style>"
    )
