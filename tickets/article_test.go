package tickets_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/huehotline/hotline/sounds"
	"github.com/huehotline/hotline/sounds/soundstest"
	"github.com/huehotline/hotline/tickets"
)

// article returns an article and its versions as an actor reads them, or fails.
func article(tb testing.TB, s *tickets.Store, actor tickets.Actor, slug string) (*tickets.Article, []*tickets.ArticleVersion) {
	tb.Helper()
	a, versions, err := s.Article(context.Background(), actor, slug)
	if err != nil {
		tb.Fatalf("article %s: %v", slug, err)
	}
	return a, versions
}

// inEffect is the number of an article's version in effect now, as the list has it
// (0: none), and as the article's page has it.
func inEffect(tb testing.TB, s *tickets.Store, slug string) (list, page int) {
	tb.Helper()
	all, err := s.Articles(context.Background(), tickets.ActorFor(&tickets.User{ID: 1, Username: "x", Role: tickets.RoleAgent}))
	if err != nil {
		tb.Fatal(err)
	}
	for _, a := range all {
		if a.Slug == slug && a.Current != nil {
			list = a.Current.Number
		}
	}
	a, _ := article(tb, s, tickets.ActorFor(&tickets.User{ID: 1, Username: "x", Role: tickets.RoleAgent}), slug)
	if a.Current != nil {
		page = a.Current.Number
	}
	return list, page
}

// A new hotline's knowledge base has the four articles the menus send callers to, each
// with a first version in effect made from what callers hear, and saved replies.
func TestFirstArticles(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	all, err := f.s.Articles(ctx, f.agent)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range all {
		got = append(got, a.Slug)
		if a.Current == nil || a.Current.Number != 1 || a.Current.Body == "" {
			t.Errorf("%s: version in effect %+v, want version 1", a.Slug, a.Current)
		}
	}
	want := []string{tickets.ArticleRules, tickets.ArticleQuarantine, tickets.ArticleDeclaration, tickets.ArticleSupport}
	if !equal(got, want) {
		t.Errorf("first articles %v, want %v", got, want)
	}
	prompts := map[string]string{}
	for _, e := range sounds.Catalog() {
		prompts[e.ID] = e.Text["vi"]
	}
	for slug, prompt := range map[string]string{tickets.ArticleRules: "rules_info", tickets.ArticleQuarantine: "quarantine_info"} {
		a, _ := article(t, f.s, f.agent, slug)
		if !strings.Contains(a.Current.Body, prompts[prompt]) {
			t.Errorf("%s does not hold what callers hear in %s:\n%s\nwant within it:\n%s", slug, prompt, a.Current.Body, prompts[prompt])
		}
	}
	replies, err := f.s.SavedReplies(ctx, f.agent)
	if err != nil || len(replies) == 0 {
		t.Errorf("first saved replies: %v, %v", replies, err)
	}
	// A second start writes nothing more.
	again, err := tickets.OpenStore(ctx, f.s.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if all2, _ := again.Articles(ctx, f.agent); len(all2) != len(all) {
		t.Errorf("after a second start: %d articles, want %d", len(all2), len(all))
	}
}

// A version is in effect from its time: now, or later (a schedule); until then the one
// before it is; nothing is overwritten, and every version is audited.
func TestArticleVersions(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	now := *f.now
	v2, err := f.s.AddArticleVersion(ctx, f.sup, tickets.ArticleRules, tickets.NewArticleVersion{Title: "Quy định từ 10/08",
		Body: "Người về từ vùng đỏ cách ly 14 ngày.\r\nKhai báo trên Hue-S.", Note: "công văn 123", Seen: 1})
	if err != nil {
		t.Fatal(err)
	}
	if v2.Number != 2 || !v2.EffectiveFrom.Equal(now) || v2.Body != "Người về từ vùng đỏ cách ly 14 ngày.\nKhai báo trên Hue-S." {
		t.Errorf("version 2: %+v", v2)
	}
	if l, p := inEffect(t, f.s, tickets.ArticleRules); l != 2 || p != 2 {
		t.Errorf("in effect after version 2 from now: list %d, page %d; want 2", l, p)
	}
	// The rules from 00:00 on 12/08, written the evening before; a correction of tonight
	// after it does not hide them when their time comes.
	midnight := time.Date(2021, 8, 12, 0, 0, 0, 0, tickets.Local)
	v3, err := f.s.AddArticleVersion(ctx, f.sup, tickets.ArticleRules, tickets.NewArticleVersion{Title: "Quy định từ 12/08",
		Body: "Từ 00:00 ngày 12/08 dừng mọi hoạt động không thiết yếu.", From: midnight, Seen: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.AddArticleVersion(ctx, f.sup, tickets.ArticleRules, tickets.NewArticleVersion{Title: "Quy định từ 10/08 (sửa)",
		Body: "Người về từ vùng đỏ cách ly 14 ngày tại nhà.", Seen: 3}); err != nil {
		t.Fatal(err)
	}
	if l, p := inEffect(t, f.s, tickets.ArticleRules); l != 4 || p != 4 {
		t.Errorf("in effect before midnight: list %d, page %d; want the correction, 4", l, p)
	}
	a, versions := article(t, f.s, f.agent, tickets.ArticleRules)
	if a.Next == nil || a.Next.Number != 3 {
		t.Errorf("the next version: %+v, want 3", a.Next)
	}
	if len(versions) != 4 || versions[0].Number != 4 || versions[3].Number != 1 || versions[2].Body != v2.Body || versions[0].Author != "sup1" {
		t.Errorf("versions, the newest first, none overwritten: %+v", versions)
	}
	*f.now = midnight.UTC()
	if l, p := inEffect(t, f.s, tickets.ArticleRules); l != v3.Number || p != v3.Number {
		t.Errorf("in effect at midnight: list %d, page %d; want %d", l, p, v3.Number)
	}
	events, err := f.s.KnowledgeEvents(ctx, f.sup, 50)
	if err != nil {
		t.Fatal(err)
	}
	var mine []string
	for _, e := range events {
		if e.Kind == "article_version" && e.Actor == "sup1" {
			mine = append(mine, e.NewValue+" "+e.Note)
		}
	}
	if len(mine) != 3 || !strings.Contains(mine[2], "công văn 123") || !strings.Contains(mine[1], "từ 12/08/2021 00:00") {
		t.Errorf("audit of the versions: %q", mine)
	}

	t.Run("ErrInvalid", func(t *testing.T) {
		for name, c := range map[string]struct {
			n     tickets.NewArticleVersion
			field string
		}{
			"an empty body":              {tickets.NewArticleVersion{Title: "Quy định", Body: "  \n ", Seen: 4}, "body"},
			"no title":                   {tickets.NewArticleVersion{Body: "Nội dung", Seen: 4}, "title"},
			"an effective time passed":   {tickets.NewArticleVersion{Title: "Quy định", Body: "Nội dung", From: midnight.Add(-time.Hour), Seen: 4}, "effective_from"},
			"a body longer than allowed": {tickets.NewArticleVersion{Title: "Quy định", Body: strings.Repeat("a", tickets.MaxArticleBody+1), Seen: 4}, "body"},
		} {
			_, err := f.s.AddArticleVersion(ctx, f.sup, tickets.ArticleRules, c.n)
			if tickets.ErrorCode(err) != tickets.EINVALID || tickets.ErrorField(err) != c.field {
				t.Errorf("%s: %v (field %q), want invalid beside %s", name, err, tickets.ErrorField(err), c.field)
			}
		}
		if _, vs := article(t, f.s, f.agent, tickets.ArticleRules); len(vs) != 4 {
			t.Errorf("refused versions were kept: %d versions", len(vs))
		}
	})
	t.Run("ErrConflict", func(t *testing.T) {
		// Another supervisor's page showed version 3.
		_, err := f.s.AddArticleVersion(ctx, f.sup, tickets.ArticleRules, tickets.NewArticleVersion{Title: "Quy định", Body: "Nội dung", Seen: 3})
		if tickets.ErrorCode(err) != tickets.ECONFLICT {
			t.Errorf("a version from a stale page: %v, want conflict", err)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := f.s.AddArticleVersion(ctx, f.sup, "khong-co", tickets.NewArticleVersion{Title: "Quy định", Body: "Nội dung"})
		if tickets.ErrorCode(err) != tickets.ENOTFOUND {
			t.Errorf("a version of no article: %v, want not found", err)
		}
	})
}

// Who may: the call centre and the officers read; the supervisors write; an admin does
// neither.
func TestArticlesWhoMay(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	admin := tickets.Actor{Name: "root", Role: tickets.RoleAdmin}
	for _, a := range []tickets.Actor{f.agent, f.sup, f.officer} {
		if _, err := f.s.Articles(ctx, a); err != nil {
			t.Errorf("%s reads the articles: %v", a.Role, err)
		}
		if _, err := f.s.SearchArticles(ctx, a, "cach ly"); err != nil {
			t.Errorf("%s searches the articles: %v", a.Role, err)
		}
	}
	if _, err := f.s.Articles(ctx, admin); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
		t.Errorf("an admin reads the articles: %v, want forbidden", err)
	}
	if _, err := f.s.SavedReplies(ctx, admin); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
		t.Errorf("an admin reads the saved replies: %v, want forbidden", err)
	}
	for _, a := range []tickets.Actor{f.agent, f.officer, admin} {
		if _, err := f.s.AddArticleVersion(ctx, a, tickets.ArticleRules, tickets.NewArticleVersion{Title: "x", Body: "y", Seen: 1}); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
			t.Errorf("%s writes a version: %v, want forbidden", a.Role, err)
		}
		if _, err := f.s.AddArticle(ctx, a, tickets.NewArticleVersion{Title: "Tiêm vắc-xin", Body: "y"}); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
			t.Errorf("%s adds an article: %v, want forbidden", a.Role, err)
		}
		if err := f.s.AddSavedReply(ctx, a, &tickets.SavedReply{Title: "x", Body: "y"}); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
			t.Errorf("%s adds a saved reply: %v, want forbidden", a.Role, err)
		}
		if _, err := f.s.PublishPromptVersion(ctx, a, tickets.PublishPrompt{VersionID: 1, Slug: tickets.ArticleRules}); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
			t.Errorf("%s publishes an announcement: %v, want forbidden", a.Role, err)
		}
	}
}

// A search typed without accents finds the words with them, by the start of a word,
// every word needed, in the versions in effect only.
func TestSearchArticles(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.s.AddArticleVersion(ctx, f.sup, tickets.ArticleSupport, tickets.NewArticleVersion{Title: "Đăng ký hỗ trợ",
		Body: "Phong toả Phú Vang từ 18:00.", From: f.now.Add(24 * time.Hour), Seen: 1}); err != nil {
		t.Fatal(err)
	}
	a, err := f.s.AddArticle(ctx, f.sup, tickets.NewArticleVersion{Title: "Tiêm vắc-xin", Body: "Lịch tiêm tại Trạm Y tế phường Đông Ba."})
	if err != nil {
		t.Fatal(err)
	}
	if a.Slug != "tiem-vac-xin" {
		t.Errorf("slug %q, want tiem-vac-xin", a.Slug)
	}
	for q, want := range map[string][]string{
		"cach ly":      {tickets.ArticleQuarantine, tickets.ArticleRules},
		"CÁCH LY":      {tickets.ArticleQuarantine, tickets.ArticleRules},
		"khu cach ly":  {tickets.ArticleQuarantine},
		"hue-s khai":   {tickets.ArticleRules, tickets.ArticleQuarantine, tickets.ArticleDeclaration},
		"dong ba":      {"tiem-vac-xin"},
		"vac xin":      {"tiem-vac-xin"},
		"phong toa":    nil, // only in a version still to come
		"cach ly xyzw": nil,
		"  ":           nil,
		"tram y":       {"tiem-vac-xin"},
	} {
		found, err := f.s.SearchArticles(ctx, f.agent, q)
		if err != nil {
			t.Fatalf("%q: %v", q, err)
		}
		var got []string
		for _, v := range found {
			got = append(got, v.Slug)
		}
		sortedGot, sortedWant := append([]string(nil), got...), append([]string(nil), want...)
		if !sameSet(sortedGot, sortedWant) {
			t.Errorf("search %q found %v, want %v", q, got, want)
		}
		if q == "khu cach ly" && len(got) > 0 && got[0] != tickets.ArticleQuarantine {
			t.Errorf("search %q: %v, want the article titled so first", q, got)
		}
	}
	if _, err := f.s.AddArticle(ctx, f.sup, tickets.NewArticleVersion{Title: "Tiêm vắc xin", Body: "trùng"}); tickets.ErrorField(err) != "title" {
		t.Errorf("an article of the same slug: %v, want refused beside the title", err)
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		m[x]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return true
}

// The menus a caller chose, from their call's path or, without one, from the keys.
func TestMenuChoices(t *testing.T) {
	step := func(node, key string) tickets.PathStep { return tickets.PathStep{Node: node, Key: key} }
	for name, c := range map[string]struct {
		keys string
		path tickets.Path
		want []string
	}{
		"menu 1 then an agent":          {"10", nil, []string{"1"}},
		"menu 5":                        {"5", nil, []string{"5"}},
		"English first":                 {"910", nil, []string{"1"}},
		"again, then 5":                 {"*5", nil, []string{"5"}},
		"1, back, 5, an agent":          {"1*50", nil, []string{"1", "5"}},
		"symptoms":                      {"21221", nil, nil},
		"symptoms whose answers have 1": {"2111", nil, nil},
		"community report":              {"3", nil, nil},
		"no keys":                       {"", nil, nil},
		"the path: menu 1":              {"", tickets.Path{step("main", "1"), step("rules", "0")}, []string{"1"}},
		"the path: quarantine reached":  {"", tickets.Path{{Node: "quarantine", Note: "timeout"}}, []string{"5"}},
		"the path over the keys":        {"10", tickets.Path{step("main", "2"), step("symptoms", "1")}, nil},
		"the path: 9, 5":                {"", tickets.Path{step("main", "9"), step("main", "5")}, []string{"5"}},
	} {
		t.Run(name, func(t *testing.T) {
			if got := tickets.MenuChoices(c.keys, c.path); !equal(got, c.want) {
				t.Errorf("MenuChoices(%q, %v) = %v, want %v", c.keys, c.path, got, c.want)
			}
		})
	}
}

// A ticket of a caller who chose menu 1 links the rules and the declaration; one who
// chose menu 2 links none.
func TestArticlesForTicket(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	rules := &tickets.Ticket{Category: tickets.CategoryInformation, Priority: tickets.P3, IVRKeys: "10"}
	symptoms := &tickets.Ticket{Category: tickets.CategorySymptomReport, Priority: tickets.P3, IVRKeys: "21221"}
	for _, tk := range []*tickets.Ticket{rules, symptoms} {
		if err := f.s.CreateTicket(ctx, tickets.ActorIVR, tk); err != nil {
			t.Fatal(err)
		}
	}
	got, err := f.s.ArticlesForTicket(ctx, f.agent, rules)
	if err != nil {
		t.Fatal(err)
	}
	var slugs []string
	for _, a := range got.Articles {
		slugs = append(slugs, a.Slug)
	}
	if want := []string{tickets.ArticleRules, tickets.ArticleDeclaration}; !equal(slugs, want) || got.Articles[0].Current == nil || !equal(got.Menus, []string{"1"}) {
		t.Errorf("articles of a menu-1 ticket: %v (menus %v), want %v in effect (menu 1)", slugs, got.Menus, want)
	}
	if got, err := f.s.ArticlesForTicket(ctx, f.agent, symptoms); err != nil || len(got.Articles) != 0 {
		t.Errorf("articles of a menu-2 ticket: %v, %v; want none", got, err)
	}
	if _, err := f.s.ArticlesForTicket(ctx, tickets.Actor{Name: "root", Role: tickets.RoleAdmin}, rules); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
		t.Errorf("an admin: %v, want forbidden", err)
	}
}

// A supervisor publishes an announcement's typed text as an article's new version in one
// step; a recording, an English version, or the same version again is refused.
func TestPublishPromptVersion(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	add := func(lang, source, text string) *tickets.PromptVersion {
		v := &tickets.PromptVersion{Prompt: "rules_info", Lang: lang, Source: source, Text: text}
		if err := f.s.AddPromptVersion(ctx, f.sup, v, soundstest.WAV(2*time.Second, 8000)); err != nil {
			t.Fatal(err)
		}
		return v
	}
	text := add("vi", tickets.PromptText, "Từ 00:00 ngày 12/08, người vào Huế phải khai báo y tế trên Hue-S.")
	v, err := f.s.PublishPromptVersion(ctx, f.sup, tickets.PublishPrompt{VersionID: text.ID, Slug: tickets.ArticleRules})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := article(t, f.s, f.agent, tickets.ArticleRules)
	if a.Current == nil || a.Current.Number != 2 || a.Current.Body != text.Text || a.Current.Title != "Quy định ra vào Huế hiện hành" ||
		a.Current.FromPrompt == nil || *a.Current.FromPrompt != text.ID || v.Number != 2 {
		t.Errorf("the article after publishing: %+v", a.Current)
	}
	pubs, err := f.s.PromptPublications(ctx, f.sup, "rules_info")
	if err != nil || len(pubs[text.ID]) != 1 || pubs[text.ID][0].Slug != tickets.ArticleRules {
		t.Errorf("publications of rules_info: %v, %v", pubs, err)
	}
	events, _ := f.s.PromptEvents(ctx, f.sup, "rules_info", 10)
	if len(events) == 0 || events[0].Kind != "prompt_to_article" || events[0].NewValue != tickets.ArticleRules {
		t.Errorf("the prompt's trail does not say it was published: %+v", events)
	}
	t.Run("ErrInvalid", func(t *testing.T) {
		for name, p := range map[string]tickets.PublishPrompt{
			"a recording":        {VersionID: add("vi", tickets.PromptUpload, "bản ghi").ID, Slug: tickets.ArticleRules},
			"an English version": {VersionID: add("en", tickets.PromptText, "New rules").ID, Slug: tickets.ArticleRules},
			"no article":         {VersionID: text.ID, Slug: "khong-co"},
			"a time passed":      {VersionID: text.ID, Slug: tickets.ArticleQuarantine, From: f.now.Add(-time.Hour)},
		} {
			if _, err := f.s.PublishPromptVersion(ctx, f.sup, p); tickets.ErrorCode(err) != tickets.EINVALID {
				t.Errorf("%s: %v, want invalid", name, err)
			}
		}
	})
	t.Run("ErrConflict", func(t *testing.T) {
		if _, err := f.s.PublishPromptVersion(ctx, f.sup, tickets.PublishPrompt{VersionID: text.ID, Slug: tickets.ArticleRules}); tickets.ErrorCode(err) != tickets.ECONFLICT {
			t.Errorf("the same version again: %v, want conflict", err)
		}
	})
}

// Saved replies: supervisors add, edit and retire them, every change audited; agents
// read those offered.
func TestSavedReplies(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	before, _ := f.s.SavedReplies(ctx, f.agent)
	r := &tickets.SavedReply{Title: "Số 115", Body: "Đã khuyên người gọi gọi 115 khi khó thở."}
	if err := f.s.AddSavedReply(ctx, f.sup, r); err != nil {
		t.Fatal(err)
	}
	if err := f.s.EditSavedReply(ctx, f.sup, r.ID, "Gọi 115", "Đã khuyên người gọi gọi ngay 115 khi khó thở nặng."); err != nil {
		t.Fatal(err)
	}
	got, err := f.s.SavedReply(ctx, f.officer, r.ID)
	if err != nil || got.Title != "Gọi 115" || !strings.Contains(got.Body, "khó thở nặng") {
		t.Errorf("the edited reply: %+v, %v", got, err)
	}
	if list, _ := f.s.SavedReplies(ctx, f.agent); len(list) != len(before)+1 {
		t.Errorf("%d replies offered, want %d", len(list), len(before)+1)
	}
	if err := f.s.RetireSavedReply(ctx, f.sup, r.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.SavedReply(ctx, f.agent, r.ID); tickets.ErrorCode(err) != tickets.ENOTFOUND {
		t.Errorf("a retired reply: %v, want not found", err)
	}
	events, _ := f.s.KnowledgeEvents(ctx, f.sup, 20)
	var kinds []string
	for _, e := range events {
		if e.Entity == tickets.EntitySavedReply && e.EntityID == r.ID {
			kinds = append(kinds, e.Kind+":"+e.Field+":"+e.OldValue)
		}
	}
	if want := []string{"reply_retired::", "reply_edited:body:Đã khuyên người gọi gọi 115 khi khó thở.", "reply_edited:title:Số 115", "reply_added:title:"}; !equal(kinds, want) {
		t.Errorf("audit of the reply: %q, want %q", kinds, want)
	}
	t.Run("ErrInvalid", func(t *testing.T) {
		if err := f.s.AddSavedReply(ctx, f.sup, &tickets.SavedReply{Title: "x", Body: " "}); tickets.ErrorField(err) != "body" {
			t.Errorf("an empty reply: %v, want refused beside the body", err)
		}
	})
}
