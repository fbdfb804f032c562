"""What leaves the store: charts, the meeting pack, the 通报 draft, exports and reminders."""
