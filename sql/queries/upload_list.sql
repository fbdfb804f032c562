-- upload_list: one row per upload, newest first: who sent what when, what it did, whether it
-- still counts (state: 有效 / 已撤销 / 撤销记录) and which rollback undid it.
-- params: none.
with
rollbacks as (
    select rolls_back as upload_id, upload_id as rolled_back_by
    from uploads
    where kind = 'rollback'
),
final as (
    select
        u.upload_id,
        strftime(u.created_at, '%Y-%m-%d %H:%M:%S') as created_at,
        u.user_name,
        u.kind,
        u.source,
        u.file_name,
        u.sha256,
        u.months,
        u.n_rows,
        u.n_new,
        u.n_unchanged,
        u.n_revised,
        u.n_skipped,
        u.rolls_back,
        r.rolled_back_by,
        u.original is not null as original_kept,
        case
            when u.kind = 'rollback' then '撤销记录'
            when r.rolled_back_by is not null then '已撤销'
            else '有效'
        end as state
    from uploads as u
    left join rollbacks as r using (upload_id)
)
select * from final order by upload_id desc
