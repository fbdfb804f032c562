"""销号审核: the reviewers' desk — submissions awaiting review (oldest first) with their evidence,
deadline-extension requests, and the re-checks (回头看) that are due."""

import pandas as pd
import streamlit as st

from rectification.workflow import closure, deadlines
from ui import access, closure_ui, database, page_frame, widgets

st.title("销号审核")
if not page_frame.page_header():
    st.stop()
user = access.require_role("reviewer")
closure_ui.show_flash()
cursor = database.cursor()

queue = closure.queue(cursor)
requests = deadlines.requests(cursor)
due = closure.listing(cursor, "recheck-due")
st.caption(f"待审核 {len(queue)} 项　·　延期申请 {len(requests)} 项　·　到期待回头看 {len(due)} 项")
tab_queue, tab_extend, tab_recheck = st.tabs(["待审核", "延期申请", "回头看"])


def _day(value) -> str:
    return "" if value is None or pd.isna(value) else f"{pd.Timestamp(value):%Y-%m-%d}"


with tab_queue:
    if queue.empty:
        st.caption("没有待审核的销号申请。")
    else:
        widgets.show_table(
            pd.DataFrame(
                {
                    "问题": queue.finding_code,
                    "牵头部门": queue.lead_department,
                    "申请人": queue.submitted_by.map(access.people(queue.submitted_by)),
                    "申请时间": queue.submitted_at.map(lambda t: f"{pd.Timestamp(t):%Y-%m-%d %H:%M}"),
                    "整改情况说明": queue.note,
                    "事项": queue.title,
                }
            ),
            hide_index=True,
            width="stretch",
            key="review_queue_table",
        )
        titles = queue.set_index("finding_code").title
        code = st.selectbox(
            "审核问题",
            list(queue.finding_code),
            format_func=lambda c: f"{c}　{titles[c][:40]}",
            key="review_pick",
            placeholder=widgets.CHOOSE,
        )
        row = queue.set_index("finding_code").loc[code]
        with st.container(border=True):
            st.caption("整改情况说明")
            st.text(row.note if isinstance(row.note, str) else "")
            st.caption("佐证材料")
            closure_ui.show_evidence(code, key="review_evidence", event_id=int(row.event_id))
        closure_ui.review_form(code, user, row.submitted_by, key="review")

with tab_extend:
    if requests.empty:
        st.caption("没有待审批的延期申请。")
    else:
        widgets.show_table(
            pd.DataFrame(
                {
                    "问题": requests.finding_code,
                    "牵头部门": requests.lead_department,
                    "现行期限": requests.previous_deadline.map(_day),
                    "申请延至": requests.requested.map(_day),
                    "理由": requests.reason,
                    "申请人": requests.user_name.map(access.people(requests.user_name)),
                }
            ),
            hide_index=True,
            width="stretch",
            key="extension_table",
        )
        pending = requests.set_index("finding_code")
        code = st.selectbox(
            "审批问题",
            list(requests.finding_code),
            format_func=lambda c: f"{c}　{pending.title[c][:40]}",
            key="extension_pick",
            placeholder=widgets.CHOOSE,
        )
        request = pending.loc[code]
        with st.container(border=True):
            st.caption("延期申请")
            st.text(
                f"{access.person(request.user_name)} 于 {pd.Timestamp(request.created_at):%Y-%m-%d %H:%M} 申请："
                f"{_day(request.previous_deadline)} → {_day(request.requested)}"
            )
            st.caption("延期理由")
            st.text(request.reason if isinstance(request.reason, str) else "")
            st.caption("佐证材料")
            closure_ui.show_evidence(code, key="extension_evidence", change_id=int(request.change_id))
        closure_ui.extension_decision_form(code, user, key="extension")

with tab_recheck:
    if due.empty:
        st.caption("没有到期待回头看的问题。")
    else:
        widgets.show_table(
            pd.DataFrame({"问题": due.finding_code, "回头看月份": due.recheck_month, "事项": due.title}),
            hide_index=True,
            width="stretch",
            key="recheck_table",
        )
        code = st.selectbox("回头看问题", list(due.finding_code), key="recheck_pick", placeholder=widgets.CHOOSE)
        closure_ui.recheck_form(code, user, key="recheck")
