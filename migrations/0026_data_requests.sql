-- Citizens' data-subject requests (Law 91/2025/QH15 on personal data protection and
-- Decree 356/2025/ND-CP): the data-protection officer, the holiday calendar the legal
-- clocks are counted on, the requests themselves, and the numbers whose holder withdrew
-- consent or objected.

-- The data-protection officer the law requires to be named: a supervisor, flagged by an
-- admin as an access change a second person confirms (user_changes old_dpo, new_dpo).
ALTER TABLE users ADD COLUMN data_protection_officer INTEGER NOT NULL DEFAULT 0;
ALTER TABLE user_changes ADD COLUMN old_dpo INTEGER NOT NULL DEFAULT 0;
ALTER TABLE user_changes ADD COLUMN new_dpo INTEGER NOT NULL DEFAULT 0;

-- Weekdays that are not working days (Saturdays and Sundays never are), kept by the
-- admin; filled with Vietnam's official days off of 2026 and 2027 (migrations/data/
-- holidays-vn-2026-2027.csv, its sources in migrations/data/SOURCES.md).
CREATE TABLE holidays (
	day        TEXT PRIMARY KEY,           -- local day, YYYY-MM-DD
	name       TEXT NOT NULL,
	added_by   TEXT NOT NULL DEFAULT '',   -- '' for the migration's
	added_at   TIMESTAMP
);
INSERT INTO holidays (day, name) VALUES
	('2026-01-01', 'Tết Dương lịch'),
	('2026-02-16', 'Tết Nguyên đán (29 tháng Chạp)'),
	('2026-02-17', 'Tết Nguyên đán (mùng 1)'),
	('2026-02-18', 'Tết Nguyên đán (mùng 2)'),
	('2026-02-19', 'Tết Nguyên đán (mùng 3)'),
	('2026-02-20', 'Tết Nguyên đán (mùng 4)'),
	('2026-04-27', 'Giỗ Tổ Hùng Vương (nghỉ bù cho Chủ nhật 26/4)'),
	('2026-04-30', 'Ngày Chiến thắng 30/4'),
	('2026-05-01', 'Ngày Quốc tế Lao động 1/5'),
	('2026-09-01', 'Quốc khánh (ngày liền kề)'),
	('2026-09-02', 'Quốc khánh 2/9'),
	('2027-01-01', 'Tết Dương lịch'),
	('2027-02-05', 'Tết Nguyên đán (29 tháng Chạp)'),
	('2027-02-08', 'Tết Nguyên đán (mùng 3)'),
	('2027-02-09', 'Tết Nguyên đán (mùng 4)'),
	('2027-02-10', 'Tết Nguyên đán (nghỉ bù cho mùng 1)'),
	('2027-02-11', 'Tết Nguyên đán (nghỉ bù cho mùng 2)'),
	('2027-04-16', 'Giỗ Tổ Hùng Vương'),
	('2027-04-30', 'Ngày Chiến thắng 30/4'),
	('2027-05-03', 'Ngày Quốc tế Lao động (nghỉ bù cho thứ Bảy 1/5)'),
	('2027-09-02', 'Quốc khánh 2/9'),
	('2027-09-03', 'Quốc khánh (ngày liền kề)');

-- A citizen's request about their personal data, for one phone number (E.164), from a
-- call, a letter or in person; its identity check (a callback to the number, or the kind
-- of document seen, never its image); its status and the clock's events. The deadlines are
-- counted from received_at on the holiday calendar when read, so a day the admin adds
-- moves them.
CREATE TABLE data_requests (
	id               INTEGER PRIMARY KEY,
	kind             TEXT NOT NULL CHECK (kind IN ('access', 'correction', 'restriction', 'withdrawal', 'deletion')),
	phone            TEXT NOT NULL,
	channel          TEXT NOT NULL CHECK (channel IN ('call', 'letter', 'in_person')),
	requester        TEXT NOT NULL DEFAULT '',     -- the name the person gave
	details          TEXT NOT NULL DEFAULT '',
	received_at      TIMESTAMP NOT NULL,
	registered_by_id INTEGER REFERENCES users (id),
	registered_by    TEXT NOT NULL,
	status           TEXT NOT NULL DEFAULT 'received'
		CHECK (status IN ('received', 'verified', 'answered', 'extended', 'done', 'refused')),
	verify_method    TEXT CHECK (verify_method IN ('callback', 'document')),
	verify_document  TEXT NOT NULL DEFAULT '',     -- the kind of document seen
	verified_by      TEXT,
	verified_at      TIMESTAMP,
	answered_at      TIMESTAMP,
	answer_note      TEXT NOT NULL DEFAULT '',
	extended_at      TIMESTAMP,
	extension_reason TEXT NOT NULL DEFAULT '',
	done_at          TIMESTAMP,
	outcome          TEXT NOT NULL DEFAULT '',     -- what was done
	keep_reason      TEXT NOT NULL DEFAULT '',     -- a deletion's legal reason to keep data
	refused_at       TIMESTAMP,
	refusal_reason   TEXT NOT NULL DEFAULT '',
	exported_at      TIMESTAMP                     -- an access request's last export
);
CREATE INDEX data_requests_open ON data_requests (received_at) WHERE status NOT IN ('done', 'refused');
CREATE INDEX data_requests_phone ON data_requests (phone);

-- Numbers whose holder withdrew consent or objected: no automated follow-up call is made
-- to them, and their ticket pages say so (ConsentWithdrawn).
CREATE TABLE consent_withdrawals (
	phone        TEXT PRIMARY KEY,
	request_id   INTEGER NOT NULL REFERENCES data_requests (id),
	withdrawn_at TIMESTAMP NOT NULL
);
