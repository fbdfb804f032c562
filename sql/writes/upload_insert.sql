-- upload_insert: the record of one upload (a file, the sample data, or a rollback), written in the
-- transaction that writes its rows; returns its id.
-- params: $kind, $source, $user_name, $file_name, $sha256, $months (comma-separated YYYY-MM), the
-- counts $n_rows, $n_new, $n_unchanged, $n_revised, $n_skipped, $rolls_back (the upload a rollback
-- withdraws, else null), $original (the file's bytes, else null).
insert into uploads (
    kind, source, user_name, file_name, sha256, months,
    n_rows, n_new, n_unchanged, n_revised, n_skipped, rolls_back, original
)
values (
    $kind, $source, $user_name, $file_name, $sha256, $months,
    $n_rows, $n_new, $n_unchanged, $n_revised, $n_skipped, $rolls_back, $original
)
returning upload_id
