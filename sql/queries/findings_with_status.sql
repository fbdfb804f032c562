-- findings_with_status: one row per finding, in report order, with its status as of a month.
-- params: $as_of (date, first of month): the latest status reported up to and including it.
with
status_as_of as (
    select finding_code, status, note, month as status_month
    from current_finding_status
    where month <= $as_of
    qualify row_number() over (partition by finding_code order by month desc) = 1
),
final as (
    select
        f.finding_code as code,
        f.report_number,
        s.title as section,
        t.title as theme,
        f.title,
        f.lead_department,
        f.responsible_leader,
        f.deadline,
        f.is_long_term,
        coalesce(st.status, '未启动') as status,
        st.note as status_note,
        st.status_month,
        f.section_code,
        f.ordinal
    from findings as f
    join sections as s using (section_code)
    left join themes as t using (theme_code)
    left join status_as_of as st using (finding_code)
)
select * from final order by ordinal
