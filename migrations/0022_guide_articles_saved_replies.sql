-- Hướng dẫn: the agents' knowledge base. Articles (the current rules, quarantine sites,
-- how to declare on Hue-S, the support registration, ...) have versions that are never
-- overwritten; the version in effect at a time is the one whose effective time came last
-- (the higher number on a tie). The four first articles are written at first start
-- (tickets.Store's firstArticles), where their search words can be folded.

CREATE TABLE articles (
	id         INTEGER PRIMARY KEY,
	slug       TEXT NOT NULL UNIQUE,    -- its URL: /guides/quy-dinh
	title      TEXT NOT NULL,           -- its name in lists, before any version is in effect
	created_by INTEGER REFERENCES users (id),
	created_at TIMESTAMP NOT NULL
);

CREATE TABLE article_versions (
	id             INTEGER PRIMARY KEY,
	article_id     INTEGER NOT NULL REFERENCES articles (id),
	number         INTEGER NOT NULL,    -- 1, 2, ...
	title          TEXT NOT NULL,
	body           TEXT NOT NULL,
	effective_from TIMESTAMP NOT NULL,
	note           TEXT NOT NULL DEFAULT '',
	-- the announcement's typed text this version was published from, if it was
	from_prompt_version_id INTEGER REFERENCES prompt_versions (id),
	created_by     INTEGER REFERENCES users (id),
	created_at     TIMESTAMP NOT NULL,
	UNIQUE (article_id, number)
);
CREATE INDEX article_versions_effective ON article_versions (article_id, effective_from);
CREATE INDEX article_versions_prompt ON article_versions (from_prompt_version_id) WHERE from_prompt_version_id IS NOT NULL;

-- The words of each version's title and body, folded as names are (lower case, without
-- diacritics: tickets.NameKey), so that a search typed without accents finds them by an
-- index (a prefix of a word), not by reading every body.
CREATE TABLE article_words (
	word       TEXT NOT NULL,
	version_id INTEGER NOT NULL REFERENCES article_versions (id),
	PRIMARY KEY (word, version_id)
);

-- Saved replies: short texts agents insert into a ticket's note; the supervisors keep
-- them. A retired reply is no longer offered.
CREATE TABLE saved_replies (
	id         INTEGER PRIMARY KEY,
	title      TEXT NOT NULL,
	body       TEXT NOT NULL,
	created_by INTEGER REFERENCES users (id),
	created_at TIMESTAMP NOT NULL,
	updated_at TIMESTAMP NOT NULL,
	retired_at TIMESTAMP
);
