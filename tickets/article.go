package tickets

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Hướng dẫn is the agents' knowledge base: what they tell a caller who asks about the
// rules is what callers hear. Each article has versions, never overwritten, each with a
// time from which it is in effect: the version in effect at a time is the one whose
// effective time came last by then (the higher number on a tie), as with the prompts'
// schedules, so "the rules from 00:00 on 12/08" is one version written the evening
// before. Everyone in the call centre and the ward and commune officers read them; the
// supervisors write them, and keep the saved replies agents insert into notes.

// Entities of the knowledge base's audit trail.
const (
	EntityArticle    = "article"
	EntitySavedReply = "saved_reply"
)

// The first articles' slugs: the ones the IVR's menus send callers to.
const (
	ArticleRules       = "quy-dinh"       // the current rules on entering and leaving Huế
	ArticleQuarantine  = "khu-cach-ly"    // quarantine sites
	ArticleDeclaration = "khai-bao-hue-s" // how to declare one's health on Hue-S
	ArticleSupport     = "dang-ky-ho-tro" // the support registration of citizens outside the province
)

// Limits of what an article or a saved reply holds.
const (
	MaxArticleTitle = 200
	MaxArticleBody  = 20000
	MaxReplyTitle   = 120
	MaxReplyBody    = 4000
)

// Article is one article of the knowledge base. Current is its version in effect at the
// time asked (nil: none yet), Next the version that takes effect after it, if one is
// scheduled.
type Article struct {
	ID        int64           `db:"id"`
	Slug      string          `db:"slug"`
	Title     string          `db:"title"`
	CreatedAt time.Time       `db:"created_at"`
	Current   *ArticleVersion `db:"-"`
	Next      *ArticleVersion `db:"-"`
}

// Name is what the article is called now: its version in effect's title, or the title
// it was made with.
func (a *Article) Name() string {
	if a.Current != nil && a.Current.Title != "" {
		return a.Current.Title
	}
	return a.Title
}

// ArticleVersion is one version of an article.
type ArticleVersion struct {
	ID            int64     `db:"id"`
	ArticleID     int64     `db:"article_id"`
	Slug          string    `db:"slug"`
	Number        int       `db:"number"`
	Title         string    `db:"title"`
	Body          string    `db:"body"`
	EffectiveFrom time.Time `db:"effective_from"`
	Note          string    `db:"note"`
	// FromPrompt is the announcement's version (typed text) it was published from.
	FromPrompt *int64    `db:"from_prompt_version_id"`
	CreatedBy  *int64    `db:"created_by"`
	Author     string    `db:"author"`
	CreatedAt  time.Time `db:"created_at"`
}

// NewArticleVersion is what a supervisor writes as an article's new version.
type NewArticleVersion struct {
	Title, Body, Note string
	From              time.Time // zero: now
	// Seen is the number of the newest version the supervisor's page showed: a version
	// written on a page older than another supervisor's is refused.
	Seen int
}

// SavedReply is a short text agents insert into a ticket's note.
type SavedReply struct {
	ID        int64      `db:"id"`
	Title     string     `db:"title"`
	Body      string     `db:"body"`
	CreatedBy *int64     `db:"created_by"`
	Author    string     `db:"author"`
	CreatedAt time.Time  `db:"created_at"`
	UpdatedAt time.Time  `db:"updated_at"`
	RetiredAt *time.Time `db:"retired_at"`
}

// readsArticles reports whether the actor reads the knowledge base: the call centre and
// the ward and commune officers (they tell citizens the same rules).
func (a Actor) readsArticles() bool {
	switch a.Role {
	case RoleAgent, RoleSupervisor, RoleOfficer:
		return true
	}
	return false
}

// ReadsArticles reports whether the actor reads the knowledge base.
func (a Actor) ReadsArticles() bool { return a.readsArticles() }

var (
	errArticlesForbidden = Errorf(EFORBIDDEN, "Chỉ tổng đài viên, giám sát viên và cán bộ phường/xã xem được Hướng dẫn.")
	errArticlesWrite     = Errorf(EFORBIDDEN, "Chỉ giám sát viên viết được Hướng dẫn và câu trả lời mẫu.")
)

const articleVersionColumns = `v.id, v.article_id, a.slug, v.number, v.title, v.body, v.effective_from, v.note,
	v.from_prompt_version_id, v.created_by, COALESCE(NULLIF(u.display_name, ''), u.username, '') AS author, v.created_at`

const articleVersionFrom = ` FROM article_versions v JOIN articles a ON a.id = v.article_id LEFT JOIN users u ON u.id = v.created_by`

// articleInEffect selects the versions in effect at a time (given twice): none of the
// same article came into effect later by then, nor at the same time with a higher number.
const articleInEffect = `v.effective_from <= ? AND NOT EXISTS (SELECT 1 FROM article_versions n
	WHERE n.article_id = v.article_id AND n.effective_from <= ?
	AND (n.effective_from > v.effective_from OR (n.effective_from = v.effective_from AND n.number > v.number)))`

// versionInEffect picks, from an article's versions, the one in effect at t and the one
// that takes effect next: the same rule as articleInEffect.
func versionInEffect(list []*ArticleVersion, t time.Time) (current, next *ArticleVersion) {
	for _, v := range list {
		if !v.EffectiveFrom.After(t) {
			if current == nil || v.EffectiveFrom.After(current.EffectiveFrom) ||
				(v.EffectiveFrom.Equal(current.EffectiveFrom) && v.Number > current.Number) {
				current = v
			}
		} else if next == nil || v.EffectiveFrom.Before(next.EffectiveFrom) ||
			(v.EffectiveFrom.Equal(next.EffectiveFrom) && v.Number > next.Number) {
			next = v
		}
	}
	return current, next
}

// Articles returns every article with its version in effect now and the next one to
// come, in the order they were made.
func (s *Store) Articles(ctx context.Context, actor Actor) ([]*Article, error) {
	if !actor.readsArticles() {
		return nil, errArticlesForbidden
	}
	now := s.Now().UTC()
	var list []*Article
	if err := s.db.SelectContext(ctx, &list, `SELECT id, slug, title, created_at FROM articles ORDER BY id`); err != nil {
		return nil, fmt.Errorf("list articles: %w", err)
	}
	var current, coming []*ArticleVersion
	if err := s.db.SelectContext(ctx, &current, s.db.Rebind(`SELECT `+articleVersionColumns+articleVersionFrom+` WHERE `+articleInEffect), now, now); err != nil {
		return nil, fmt.Errorf("articles in effect: %w", err)
	}
	if err := s.db.SelectContext(ctx, &coming, s.db.Rebind(`SELECT `+articleVersionColumns+articleVersionFrom+`
		WHERE v.effective_from > ? ORDER BY v.effective_from, v.number DESC`), now); err != nil {
		return nil, fmt.Errorf("articles to come: %w", err)
	}
	byID := map[int64]*Article{}
	for _, a := range list {
		byID[a.ID] = a
	}
	for _, v := range current {
		if a := byID[v.ArticleID]; a != nil {
			a.Current = v
		}
	}
	for _, v := range coming {
		if a := byID[v.ArticleID]; a != nil && a.Next == nil {
			a.Next = v
		}
	}
	return list, nil
}

// Article returns an article by its slug, with its version in effect now and the next,
// and all its versions, the newest first.
func (s *Store) Article(ctx context.Context, actor Actor, slug string) (*Article, []*ArticleVersion, error) {
	if !actor.readsArticles() {
		return nil, nil, errArticlesForbidden
	}
	var a Article
	if err := s.db.GetContext(ctx, &a, s.db.Rebind(`SELECT id, slug, title, created_at FROM articles WHERE slug = ?`), slug); err != nil {
		return nil, nil, notFound(err, "bài hướng dẫn")
	}
	var versions []*ArticleVersion
	if err := s.db.SelectContext(ctx, &versions, s.db.Rebind(`SELECT `+articleVersionColumns+articleVersionFrom+`
		WHERE v.article_id = ? ORDER BY v.number DESC`), a.ID); err != nil {
		return nil, nil, fmt.Errorf("versions of article %s: %w", slug, err)
	}
	a.Current, a.Next = versionInEffect(versions, s.Now().UTC())
	return &a, versions, nil
}

// cleanText trims a text and writes its line ends as \n.
func cleanText(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n"))
}

// checkArticleText refuses an empty or too long title or body, beside its field.
func checkArticleText(title, body string) error {
	switch {
	case title == "":
		return FieldErrorf("title", "Hãy nhập tiêu đề của bài.")
	case utf8.RuneCountInString(title) > MaxArticleTitle:
		return FieldErrorf("title", "Tiêu đề dài quá %d ký tự.", MaxArticleTitle)
	case body == "":
		return FieldErrorf("body", "Nội dung của bài không được để trống.")
	case utf8.RuneCountInString(body) > MaxArticleBody:
		return FieldErrorf("body", "Nội dung dài quá %d ký tự; hãy chia thành nhiều bài.", MaxArticleBody)
	}
	return nil
}

// effectiveFrom is when a new version takes effect: from (now when zero), refused beside
// its field when it has passed (a minute's grace for a page submitted as it was typed).
func effectiveFrom(from, now time.Time) (time.Time, error) {
	if from.IsZero() {
		return now, nil
	}
	from = from.UTC()
	if from.Before(now.Add(-time.Minute)) {
		return from, FieldErrorf("effective_from", "Thời điểm có hiệu lực %s đã qua; để trống là có hiệu lực ngay.", from.In(Local).Format("02/01/2006 15:04"))
	}
	return from, nil
}

// AddArticleVersion files a new version of an article (supervisors), in effect from a
// time (now, or later); the versions before it stay as they were.
func (s *Store) AddArticleVersion(ctx context.Context, actor Actor, slug string, n NewArticleVersion) (*ArticleVersion, error) {
	if !actor.IsSupervisor() {
		return nil, errArticlesWrite
	}
	v := &ArticleVersion{Title: cleanText(n.Title), Body: cleanText(n.Body), Note: strings.TrimSpace(n.Note)}
	if err := checkArticleText(v.Title, v.Body); err != nil {
		return nil, err
	}
	err := s.inTx(ctx, func(t *tx) error {
		from, err := effectiveFrom(n.From, t.now)
		if err != nil {
			return err
		}
		v.EffectiveFrom = from
		var id int64
		if err := t.GetContext(ctx, &id, t.Rebind(`SELECT id FROM articles WHERE slug = ?`), slug); err != nil {
			return notFound(err, "bài hướng dẫn")
		}
		last, err := lastArticleNumber(ctx, t, id)
		if err != nil {
			return err
		}
		if last != n.Seen {
			return Errorf(ECONFLICT, "Bài này vừa có phiên bản %d của người khác; trang đã hiện lại như hiện nay, nội dung bạn viết vẫn còn trong ô.", last)
		}
		v.ArticleID, v.Slug = id, slug
		return addArticleVersion(ctx, t, actor, v)
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

func lastArticleNumber(ctx context.Context, t *tx, articleID int64) (int, error) {
	var last sql.NullInt64
	if err := t.GetContext(ctx, &last, t.Rebind(`SELECT MAX(number) FROM article_versions WHERE article_id = ?`), articleID); err != nil {
		return 0, fmt.Errorf("number the version of article %d: %w", articleID, err)
	}
	return int(last.Int64), nil
}

// addArticleVersion writes a version (numbered after the last), its search words and
// its audit event.
func addArticleVersion(ctx context.Context, t *tx, actor Actor, v *ArticleVersion) error {
	last, err := lastArticleNumber(ctx, t, v.ArticleID)
	if err != nil {
		return err
	}
	v.Number, v.CreatedBy, v.Author, v.CreatedAt = last+1, actor.UserID, actor.Name, t.now
	v.EffectiveFrom = v.EffectiveFrom.UTC() // stored in UTC, compared as stored
	err = t.QueryRowxContext(ctx, t.Rebind(`INSERT INTO article_versions (article_id, number, title, body, effective_from, note,
		from_prompt_version_id, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		v.ArticleID, v.Number, v.Title, v.Body, v.EffectiveFrom, v.Note, v.FromPrompt, v.CreatedBy, v.CreatedAt).Scan(&v.ID)
	if err != nil {
		return fmt.Errorf("add a version of article %s: %w", v.Slug, mapConstraint(err))
	}
	for _, w := range SearchWords(v.Title + " " + v.Body) {
		if _, err := t.ExecContext(ctx, t.Rebind(`INSERT INTO article_words (word, version_id) VALUES (?, ?)`), w, v.ID); err != nil {
			return fmt.Errorf("index the version of article %s: %w", v.Slug, err)
		}
	}
	note := "có hiệu lực từ " + v.EffectiveFrom.In(Local).Format("02/01/2006 15:04")
	if v.Note != "" {
		note += ": " + v.Note
	}
	return addEvent(ctx, t, actor, EntityArticle, v.ArticleID, change{kind: "article_version", field: v.Slug, new: fmt.Sprint(v.Number), note: note})
}

// SearchWords folds a text into its distinct words, as NameKey folds names: lower case,
// without diacritics, split at anything that is not a letter or a digit ("Hue-S" is
// "hue" and "s").
func SearchWords(text string) []string {
	seen := map[string]bool{}
	var out []string
	for _, w := range strings.FieldsFunc(NameKey(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if !seen[w] && len(w) <= 64 {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

// ArticleSlug makes an article's slug from its title: its words without accents, joined
// by hyphens ("Tiêm vắc-xin" is "tiem-vac-xin").
func ArticleSlug(title string) string {
	s := strings.Join(SearchWords(title), "-")
	for len(s) > 60 {
		i := strings.LastIndexByte(s, '-')
		if i < 0 {
			s = s[:60]
			break
		}
		s = s[:i]
	}
	return s
}

// maxSearchWords bounds the words of a search (each one is an index range).
const maxSearchWords = 8

// SearchArticles finds the articles whose version in effect now has every word of q,
// typed with or without accents, as the start of one of its words ("cach ly" finds "cách
// ly", "khai bao" finds "khai báo"). Each word is looked up in the words index
// (article_words), not by reading the bodies. An empty q finds nothing.
func (s *Store) SearchArticles(ctx context.Context, actor Actor, q string) ([]*ArticleVersion, error) {
	if !actor.readsArticles() {
		return nil, errArticlesForbidden
	}
	words := SearchWords(q)
	if len(words) == 0 {
		return nil, nil
	}
	if len(words) > maxSearchWords {
		words = words[:maxSearchWords]
	}
	now := s.Now().UTC()
	query := `SELECT ` + articleVersionColumns + articleVersionFrom + ` WHERE ` + articleInEffect
	args := []any{now, now}
	for _, w := range words {
		query += ` AND v.id IN (SELECT version_id FROM article_words WHERE word >= ? AND word < ?)`
		args = append(args, w, w+"\uffff")
	}
	var list []*ArticleVersion
	if err := s.db.SelectContext(ctx, &list, s.db.Rebind(query+` ORDER BY a.id`), args...); err != nil {
		return nil, fmt.Errorf("search articles: %w", err)
	}
	// The articles whose title has the words first.
	sort.SliceStable(list, func(i, j int) bool { return titleHas(list[i].Title, words) && !titleHas(list[j].Title, words) })
	return list, nil
}

// titleHas reports whether every word starts a word of the title.
func titleHas(title string, words []string) bool {
	have := SearchWords(title)
	for _, w := range words {
		found := false
		for _, h := range have {
			if strings.HasPrefix(h, w) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// AddArticle makes a new article with its first version (supervisors); its slug is made
// from its title.
func (s *Store) AddArticle(ctx context.Context, actor Actor, n NewArticleVersion) (*Article, error) {
	if !actor.IsSupervisor() {
		return nil, errArticlesWrite
	}
	v := &ArticleVersion{Title: cleanText(n.Title), Body: cleanText(n.Body), Note: strings.TrimSpace(n.Note)}
	if err := checkArticleText(v.Title, v.Body); err != nil {
		return nil, err
	}
	slug := ArticleSlug(v.Title)
	if slug == "" {
		return nil, FieldErrorf("title", "Tiêu đề cần có chữ hoặc số.")
	}
	a := &Article{Slug: slug, Title: v.Title}
	err := s.inTx(ctx, func(t *tx) error {
		from, err := effectiveFrom(n.From, t.now)
		if err != nil {
			return err
		}
		v.EffectiveFrom, a.CreatedAt = from, t.now
		err = t.QueryRowxContext(ctx, t.Rebind(`INSERT INTO articles (slug, title, created_by, created_at) VALUES (?, ?, ?, ?) RETURNING id`),
			slug, v.Title, actor.UserID, t.now).Scan(&a.ID)
		if err := mapConstraint(err); ErrorCode(err) == ECONFLICT {
			return FieldErrorf("title", "Đã có bài “%s” (/guides/%s); hãy viết phiên bản mới của bài đó, hoặc đặt tên khác.", v.Title, slug)
		} else if err != nil {
			return fmt.Errorf("add article %s: %w", slug, err)
		}
		v.ArticleID, v.Slug = a.ID, slug
		return addArticleVersion(ctx, t, actor, v)
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// PublishPrompt asks for an announcement's typed text to become an article's new version.
type PublishPrompt struct {
	VersionID int64     // the prompt's version
	Slug      string    // the article
	From      time.Time // zero: now
}

// PublishPromptVersion makes an announcement's typed text the body of an article's new
// version, in one step (supervisors), so that what callers hear and what agents say do
// not drift apart. Only a Vietnamese version typed as text can be published (a
// recording's transcript is not what callers hear word for word); the article keeps its
// title; the same version is not published twice in a row.
func (s *Store) PublishPromptVersion(ctx context.Context, actor Actor, p PublishPrompt) (*ArticleVersion, error) {
	if !actor.IsSupervisor() {
		return nil, errArticlesWrite
	}
	var out *ArticleVersion
	err := s.inTx(ctx, func(t *tx) error {
		var pv PromptVersion
		err := t.GetContext(ctx, &pv, t.Rebind(`SELECT id, prompt, lang, number, source, body FROM prompt_versions WHERE id = ?`), p.VersionID)
		if err != nil {
			return notFound(err, "phiên bản lời nhắn")
		}
		switch {
		case pv.Source != PromptText:
			return FieldErrorf("article", "Chỉ phiên bản soạn bằng văn bản mới đăng lên Hướng dẫn được: lời của một bản ghi âm không chắc là đúng từng chữ người gọi nghe.")
		case pv.Lang != "vi":
			return FieldErrorf("article", "Hướng dẫn viết bằng tiếng Việt: hãy đăng phiên bản tiếng Việt.")
		case strings.TrimSpace(pv.Text) == "":
			return FieldErrorf("article", "Phiên bản này không có nội dung để đăng.")
		}
		from, err := effectiveFrom(p.From, t.now)
		if err != nil {
			return err
		}
		var a Article
		if err := t.GetContext(ctx, &a, t.Rebind(`SELECT id, slug, title, created_at FROM articles WHERE slug = ?`), p.Slug); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return FieldErrorf("article", "Hãy chọn bài hướng dẫn để đăng.")
			}
			return fmt.Errorf("find article %s: %w", p.Slug, err)
		}
		var latest []*ArticleVersion
		if err := t.SelectContext(ctx, &latest, t.Rebind(`SELECT `+articleVersionColumns+articleVersionFrom+`
			WHERE v.article_id = ? ORDER BY v.number DESC LIMIT 1`), a.ID); err != nil {
			return fmt.Errorf("latest version of article %s: %w", a.Slug, err)
		}
		title := a.Title
		if len(latest) == 1 {
			title = latest[0].Title
			if latest[0].FromPrompt != nil && *latest[0].FromPrompt == pv.ID {
				return Errorf(ECONFLICT, "Phiên bản %d của %s đã là phiên bản %d của bài “%s”.", pv.Number, pv.Prompt, latest[0].Number, title)
			}
		}
		id := pv.ID
		out = &ArticleVersion{ArticleID: a.ID, Slug: a.Slug, Title: title, Body: cleanText(pv.Text), EffectiveFrom: from, FromPrompt: &id,
			Note: fmt.Sprintf("từ thông báo %s, phiên bản %d", pv.Prompt, pv.Number)}
		if err := addArticleVersion(ctx, t, actor, out); err != nil {
			return err
		}
		return addEvent(ctx, t, actor, EntityPrompt, pv.ID, change{kind: "prompt_to_article", field: pv.Prompt + "/" + pv.Lang,
			old: fmt.Sprint(pv.Number), new: a.Slug, note: fmt.Sprint(out.Number)})
	})
	return out, err
}

// PromptPublications returns, for each version of a prompt published to the knowledge
// base, the article versions made from it (supervisors).
func (s *Store) PromptPublications(ctx context.Context, actor Actor, prompt string) (map[int64][]*ArticleVersion, error) {
	if !actor.IsSupervisor() {
		return nil, errArticlesWrite
	}
	var list []*ArticleVersion
	err := s.db.SelectContext(ctx, &list, s.db.Rebind(`SELECT `+articleVersionColumns+articleVersionFrom+`
		WHERE v.from_prompt_version_id IN (SELECT id FROM prompt_versions WHERE prompt = ?) ORDER BY v.id`), prompt)
	if err != nil {
		return nil, fmt.Errorf("articles from prompt %s: %w", prompt, err)
	}
	out := map[int64][]*ArticleVersion{}
	for _, v := range list {
		out[*v.FromPrompt] = append(out[*v.FromPrompt], v)
	}
	return out, nil
}

// menuArticles are the articles that answer a caller who chose a key of the main menu:
// 1, the rules on entering and leaving Huế; 5, quarantine sites and health declarations.
var menuArticles = map[string][]string{
	"1": {ArticleRules, ArticleDeclaration},
	"5": {ArticleQuarantine, ArticleDeclaration},
}

// infoNodes are the IVR's nodes of the information menus, by the main menu's key that
// leads there (ivr.HotlineFlow).
var infoNodes = map[string]string{"rules": "1", "quarantine": "5"}

// MenuChoices returns the information menus (1, 5) a caller chose, in order, from their
// call's path through the IVR when it has one (a key pressed at the main menu, or a step
// in the rules or quarantine node), else from the keys the ticket kept: at the main menu
// 9 (English) and * (again) stay there, 1 and 5 lead to their information, where * goes
// back to the main menu; any other key leaves the menus.
func MenuChoices(keys string, path Path) []string {
	var out []string
	add := func(k string) {
		for _, o := range out {
			if o == k {
				return
			}
		}
		out = append(out, k)
	}
	if len(path) > 0 {
		for _, st := range path {
			if _, ok := menuArticles[st.Key]; ok && st.Node == "main" {
				add(st.Key)
			}
			if k, ok := infoNodes[st.Node]; ok {
				add(k)
			}
		}
		return out
	}
	atMain := true
	for _, r := range keys {
		k := string(r)
		switch {
		case atMain && (k == "9" || k == "*"):
		case atMain && menuArticles[k] != nil:
			add(k)
			atMain = false
		case !atMain && k == "*":
			atMain = true
		default:
			return out
		}
	}
	return out
}

// TicketArticles are the articles that answer what a ticket's caller chose in the IVR.
type TicketArticles struct {
	Menus    []string // the main menu's keys they chose (1, 5)
	Articles []*Article
}

// ArticlesForTicket returns the articles that answer what the ticket's caller chose in
// the IVR (menu 1 or 5: MenuChoices), with their versions in effect now, for the links at
// the top of the ticket's page (the screen-pop). None for a caller who chose neither.
func (s *Store) ArticlesForTicket(ctx context.Context, actor Actor, tk *Ticket) (*TicketArticles, error) {
	if !actor.readsArticles() {
		return nil, errArticlesForbidden
	}
	var path Path
	if tk.CallID != nil {
		err := s.db.GetContext(ctx, &path, s.db.Rebind(`SELECT ivr_path FROM calls WHERE id = ?`), *tk.CallID)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("path of the call of %s: %w", tk.Ref, err)
		}
	}
	out := &TicketArticles{Menus: MenuChoices(tk.IVRKeys, path)}
	var slugs []string
	for _, k := range out.Menus {
		for _, slug := range menuArticles[k] {
			if !contains(slugs, slug) {
				slugs = append(slugs, slug)
			}
		}
	}
	if len(slugs) == 0 {
		return out, nil
	}
	all, err := s.Articles(ctx, actor)
	if err != nil {
		return nil, err
	}
	for _, slug := range slugs {
		for _, a := range all {
			if a.Slug == slug {
				out.Articles = append(out.Articles, a)
			}
		}
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

const savedReplyColumns = `r.id, r.title, r.body, r.created_by, COALESCE(NULLIF(u.display_name, ''), u.username, '') AS author, r.created_at, r.updated_at, r.retired_at`

const savedReplyFrom = ` FROM saved_replies r LEFT JOIN users u ON u.id = r.created_by`

// SavedReplies returns the saved replies offered now, in the order they were made.
func (s *Store) SavedReplies(ctx context.Context, actor Actor) ([]*SavedReply, error) {
	if !actor.readsArticles() {
		return nil, errArticlesForbidden
	}
	var list []*SavedReply
	if err := s.db.SelectContext(ctx, &list, `SELECT `+savedReplyColumns+savedReplyFrom+` WHERE r.retired_at IS NULL ORDER BY r.id`); err != nil {
		return nil, fmt.Errorf("saved replies: %w", err)
	}
	return list, nil
}

// SavedReply returns one saved reply still offered.
func (s *Store) SavedReply(ctx context.Context, actor Actor, id int64) (*SavedReply, error) {
	if !actor.readsArticles() {
		return nil, errArticlesForbidden
	}
	var r SavedReply
	err := s.db.GetContext(ctx, &r, s.db.Rebind(`SELECT `+savedReplyColumns+savedReplyFrom+` WHERE r.id = ? AND r.retired_at IS NULL`), id)
	if err != nil {
		return nil, notFound(err, "câu trả lời mẫu")
	}
	return &r, nil
}

// checkReply refuses an empty or too long saved reply, beside its field.
func checkReply(title, body string) error {
	switch {
	case title == "":
		return FieldErrorf("title", "Hãy đặt tên cho câu trả lời mẫu.")
	case utf8.RuneCountInString(title) > MaxReplyTitle:
		return FieldErrorf("title", "Tên dài quá %d ký tự.", MaxReplyTitle)
	case body == "":
		return FieldErrorf("body", "Nội dung câu trả lời mẫu không được để trống.")
	case utf8.RuneCountInString(body) > MaxReplyBody:
		return FieldErrorf("body", "Câu trả lời mẫu dài quá %d ký tự; văn bản dài hãy viết thành bài hướng dẫn.", MaxReplyBody)
	}
	return nil
}

// AddSavedReply adds a saved reply (supervisors).
func (s *Store) AddSavedReply(ctx context.Context, actor Actor, r *SavedReply) error {
	if !actor.IsSupervisor() {
		return errArticlesWrite
	}
	r.Title, r.Body = cleanText(r.Title), cleanText(r.Body)
	if err := checkReply(r.Title, r.Body); err != nil {
		return err
	}
	return s.inTx(ctx, func(t *tx) error { return addSavedReply(ctx, t, actor, r) })
}

func addSavedReply(ctx context.Context, t *tx, actor Actor, r *SavedReply) error {
	r.CreatedBy, r.Author, r.CreatedAt, r.UpdatedAt = actor.UserID, actor.Name, t.now, t.now
	err := t.QueryRowxContext(ctx, t.Rebind(`INSERT INTO saved_replies (title, body, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?) RETURNING id`), r.Title, r.Body, r.CreatedBy, r.CreatedAt, r.UpdatedAt).Scan(&r.ID)
	if err != nil {
		return fmt.Errorf("add a saved reply: %w", err)
	}
	return addEvent(ctx, t, actor, EntitySavedReply, r.ID, change{kind: "reply_added", field: "title", new: r.Title, note: r.Body})
}

// EditSavedReply changes a saved reply's title and text (supervisors); the trail keeps
// what they were.
func (s *Store) EditSavedReply(ctx context.Context, actor Actor, id int64, title, body string) error {
	if !actor.IsSupervisor() {
		return errArticlesWrite
	}
	title, body = cleanText(title), cleanText(body)
	if err := checkReply(title, body); err != nil {
		return err
	}
	return s.inTx(ctx, func(t *tx) error {
		var old SavedReply
		if err := t.GetContext(ctx, &old, t.Rebind(`SELECT `+savedReplyColumns+savedReplyFrom+` WHERE r.id = ? AND r.retired_at IS NULL`), id); err != nil {
			return notFound(err, "câu trả lời mẫu")
		}
		if old.Title == title && old.Body == body {
			return nil
		}
		if _, err := t.ExecContext(ctx, t.Rebind(`UPDATE saved_replies SET title = ?, body = ?, updated_at = ? WHERE id = ?`), title, body, t.now, id); err != nil {
			return fmt.Errorf("edit saved reply %d: %w", id, err)
		}
		if old.Title != title {
			if err := addEvent(ctx, t, actor, EntitySavedReply, id, change{kind: "reply_edited", field: "title", old: old.Title, new: title}); err != nil {
				return err
			}
		}
		if old.Body != body {
			return addEvent(ctx, t, actor, EntitySavedReply, id, change{kind: "reply_edited", field: "body", old: old.Body, new: body})
		}
		return nil
	})
}

// RetireSavedReply stops offering a saved reply (supervisors); the notes it went into
// keep their text.
func (s *Store) RetireSavedReply(ctx context.Context, actor Actor, id int64) error {
	if !actor.IsSupervisor() {
		return errArticlesWrite
	}
	return s.inTx(ctx, func(t *tx) error {
		res, err := t.ExecContext(ctx, t.Rebind(`UPDATE saved_replies SET retired_at = ?, updated_at = ? WHERE id = ? AND retired_at IS NULL`), t.now, t.now, id)
		if err != nil {
			return fmt.Errorf("retire saved reply %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return Errorf(ENOTFOUND, "Không tìm thấy câu trả lời mẫu.")
		}
		return addEvent(ctx, t, actor, EntitySavedReply, id, change{kind: "reply_retired"})
	})
}

// KnowledgeEvents returns the audit trail of the knowledge base (supervisors): the
// articles' versions and the saved replies' changes, the newest first.
func (s *Store) KnowledgeEvents(ctx context.Context, actor Actor, limit int) ([]*Event, error) {
	if !actor.IsSupervisor() {
		return nil, errArticlesWrite
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	var list []*Event
	err := s.db.SelectContext(ctx, &list, s.db.Rebind(`SELECT `+eventColumns+` FROM events WHERE entity IN (?, ?)
		ORDER BY at DESC, id DESC LIMIT ?`), EntityArticle, EntitySavedReply, limit)
	if err != nil {
		return nil, fmt.Errorf("knowledge base events: %w", err)
	}
	return list, nil
}
