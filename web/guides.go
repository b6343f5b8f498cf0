package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/huehotline/hotline/tickets"
)

// Hướng dẫn: the knowledge base agents read while a caller asks about the rules, the
// same rules callers hear. The call centre and the officers read it, search it without
// accents and print an article; supervisors write new versions (now or from a time),
// new articles and the saved replies agents insert into a ticket's note.

// GuidesPage is the list of articles, a search, and the saved replies.
type GuidesPage struct {
	Nav      Nav
	Query    string
	Results  []GuideRow // what the search found (Query set)
	Articles []GuideRow
	Replies  []ReplyRow
	CanWrite bool
	Article  GuideForm // a new article (supervisors)
	Reply    ReplyForm // a new saved reply (supervisors)
	Errors   map[string]string
	Message  string
}

// GuideRow is one article in a list: what is in effect now, and what comes next.
type GuideRow struct {
	Slug, URL, Title string
	Excerpt          string
	Version          int
	Since            string
	Next             string // "phiên bản 3 có hiệu lực từ 12/08/2021 00:00", if one is scheduled
}

// ReplyRow is one saved reply.
type ReplyRow struct {
	ID                  int64
	Title, Body         string
	Author, Updated     string
	EditURL, RetireURL  string
	FormTitle, FormBody string
	Open                bool // its edit form, open with an error
}

// GuideForm is what was typed in a new article's or version's form.
type GuideForm struct {
	Title, Body, From, Note string
}

// ReplyForm is what was typed in a saved reply's form.
type ReplyForm struct {
	Title, Body string
}

// GuidePage is one article: the version in effect, the one to come, every version, the
// form for a new one (supervisors), and what prints.
type GuidePage struct {
	Nav      Nav
	Slug     string
	URL      string
	Title    string
	Current  *GuideVersionRow
	Next     *GuideVersionRow
	Versions []GuideVersionRow
	CanWrite bool
	Seen     int // the newest version's number, for a new version made from this page
	Form     GuideForm
	Errors   map[string]string
	Message  string
	Problem  string
	Printed  string // when the page was made, for a printout
	// Prompt is what callers hear on the article's topic (Thông báo), if a prompt is.
	Prompt, PromptURL string
}

// GuideVersionRow is one version of an article.
type GuideVersionRow struct {
	Number                 int
	Title, Body, Excerpt   string
	From, Author, At, Note string
	State                  string // "đang có hiệu lực", "sắp có hiệu lực", "đã thay"
	InEffect, Coming       bool
}

// guides serves h to those who read the knowledge base: agents, supervisors, officers.
func (s *Server) guides(h handler) http.Handler {
	return s.allow(func(me *viewer) bool { return me.Actor.ReadsArticles() }, h)
}

// guideRow is an article as a list shows it.
func guideRow(a *tickets.Article) GuideRow {
	row := GuideRow{Slug: a.Slug, URL: "/guides/" + a.Slug, Title: a.Name()}
	if a.Current != nil {
		row.Version, row.Since, row.Excerpt = a.Current.Number, dateTime(a.Current.EffectiveFrom), excerpt(a.Current.Body, 220)
	}
	if a.Next != nil {
		row.Next = fmt.Sprintf("phiên bản %d có hiệu lực từ %s", a.Next.Number, dateTime(a.Next.EffectiveFrom))
	}
	return row
}

// excerpt is the start of a text, cut at a word, up to n characters.
func excerpt(text string, n int) string {
	text = strings.Join(strings.Fields(text), " ")
	r := []rune(text)
	if len(r) <= n {
		return text
	}
	cut := string(r[:n])
	if i := strings.LastIndexByte(cut, ' '); i > n/2 {
		cut = cut[:i]
	}
	return cut + "…"
}

// matchExcerpt is the sentence of a text where the search's words first appear (the
// start of the text when none does).
func matchExcerpt(text, q string) string {
	words := tickets.SearchWords(q)
	for _, sentence := range strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == '.' }) {
		for _, have := range tickets.SearchWords(sentence) {
			for _, w := range words {
				if strings.HasPrefix(have, w) {
					return excerpt(strings.TrimSpace(sentence)+".", 260)
				}
			}
		}
	}
	return excerpt(text, 220)
}

func (s *Server) guidesPage(ctx context.Context, r *http.Request, me *viewer) (GuidesPage, error) {
	p := GuidesPage{Nav: s.nav(r, me, "guides"), Query: trimmed(r.URL.Query().Get("q")), CanWrite: me.Actor.IsSupervisor(),
		Errors: map[string]string{}, Message: r.URL.Query().Get("done")}
	all, err := s.cfg.Store.Articles(ctx, me.Actor)
	if err != nil {
		return p, err
	}
	for _, a := range all {
		p.Articles = append(p.Articles, guideRow(a))
	}
	if p.Query != "" {
		found, err := s.cfg.Store.SearchArticles(ctx, me.Actor, p.Query)
		if err != nil {
			return p, err
		}
		for _, v := range found {
			p.Results = append(p.Results, GuideRow{Slug: v.Slug, URL: "/guides/" + v.Slug, Title: v.Title, Version: v.Number,
				Since: dateTime(v.EffectiveFrom), Excerpt: matchExcerpt(v.Body, p.Query)})
		}
	}
	replies, err := s.cfg.Store.SavedReplies(ctx, me.Actor)
	if err != nil {
		return p, err
	}
	for _, rep := range replies {
		id := strconv.FormatInt(rep.ID, 10)
		p.Replies = append(p.Replies, ReplyRow{ID: rep.ID, Title: rep.Title, Body: rep.Body, Author: rep.Author, Updated: dateTime(rep.UpdatedAt),
			EditURL: "/replies/" + id, RetireURL: "/replies/" + id + "/retire",
			FormTitle: rep.Title, FormBody: rep.Body})
	}
	return p, nil
}

func (s *Server) handleGuides(w http.ResponseWriter, r *http.Request, me *viewer) {
	p, err := s.guidesPage(r.Context(), r, me)
	if err != nil {
		s.fail(w, r, me, err)
		return
	}
	s.render(w, r, http.StatusOK, guidesPage(p))
}

// refuseGuides shows the list again with a message beside the field at fault.
func (s *Server) refuseGuides(w http.ResponseWriter, r *http.Request, me *viewer, field string, err error, fill func(*GuidesPage)) {
	if code := tickets.ErrorCode(err); code != tickets.EINVALID && code != tickets.ECONFLICT {
		s.fail(w, r, me, err)
		return
	}
	p, perr := s.guidesPage(r.Context(), r, me)
	if perr != nil {
		s.fail(w, r, me, perr)
		return
	}
	p.Message = ""
	if f := tickets.ErrorField(err); f != "" {
		field += "." + f
	}
	p.Errors[field] = tickets.ErrorMessage(err)
	fill(&p)
	s.render(w, r, statusFor(err), guidesPage(p))
}

// handleGuideAdd makes a new article with its first version (supervisors).
func (s *Server) handleGuideAdd(w http.ResponseWriter, r *http.Request, me *viewer) {
	form := GuideForm{Title: r.PostFormValue("title"), Body: r.PostFormValue("body"), From: trimmed(r.PostFormValue("from")), Note: trimmed(r.PostFormValue("note"))}
	keep := func(p *GuidesPage) { p.Article = form }
	n := tickets.NewArticleVersion{Title: form.Title, Body: form.Body, Note: form.Note}
	if form.From != "" {
		from, err := parseDateTime(form.From)
		if err != nil {
			s.refuseGuides(w, r, me, "article", tickets.FieldErrorf("effective_from", "%s", tickets.ErrorMessage(err)), keep)
			return
		}
		n.From = from
	}
	a, err := s.cfg.Store.AddArticle(r.Context(), me.Actor, n)
	if err != nil {
		s.refuseGuides(w, r, me, "article", err, keep)
		return
	}
	s.log.Info("article added", "article", a.Slug, "by", me.User.Username)
	http.Redirect(w, r, "/guides/"+a.Slug+"?done="+url.QueryEscape("Đã thêm bài “"+a.Title+"”."), http.StatusSeeOther)
}

// replyID is the saved reply of a request's {id}.
func replyID(r *http.Request) int64 {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id
}

func (s *Server) handleReplyAdd(w http.ResponseWriter, r *http.Request, me *viewer) {
	rep := &tickets.SavedReply{Title: r.PostFormValue("title"), Body: r.PostFormValue("body")}
	if err := s.cfg.Store.AddSavedReply(r.Context(), me.Actor, rep); err != nil {
		s.refuseGuides(w, r, me, "reply", err, func(p *GuidesPage) {
			p.Reply = ReplyForm{Title: r.PostFormValue("title"), Body: r.PostFormValue("body")}
		})
		return
	}
	http.Redirect(w, r, "/guides?done="+url.QueryEscape("Đã thêm câu trả lời mẫu “"+rep.Title+"”.")+"#replies", http.StatusSeeOther)
}

func (s *Server) handleReplyEdit(w http.ResponseWriter, r *http.Request, me *viewer) {
	id := replyID(r)
	title, body := r.PostFormValue("title"), r.PostFormValue("body")
	if err := s.cfg.Store.EditSavedReply(r.Context(), me.Actor, id, title, body); err != nil {
		if tickets.ErrorCode(err) != tickets.EINVALID {
			s.fail(w, r, me, err)
			return
		}
		s.refuseGuides(w, r, me, "reply-"+strconv.FormatInt(id, 10), err, func(p *GuidesPage) {
			for i := range p.Replies {
				if p.Replies[i].ID == id {
					p.Replies[i].FormTitle, p.Replies[i].FormBody, p.Replies[i].Open = title, body, true
				}
			}
		})
		return
	}
	http.Redirect(w, r, "/guides?done="+url.QueryEscape("Đã sửa câu trả lời mẫu.")+"#replies", http.StatusSeeOther)
}

func (s *Server) handleReplyRetire(w http.ResponseWriter, r *http.Request, me *viewer) {
	if err := s.cfg.Store.RetireSavedReply(r.Context(), me.Actor, replyID(r)); err != nil {
		s.fail(w, r, me, err)
		return
	}
	http.Redirect(w, r, "/guides?done="+url.QueryEscape("Đã bỏ câu trả lời mẫu; các ghi chú đã chèn nó vẫn giữ nguyên.")+"#replies", http.StatusSeeOther)
}

// guidePage builds an article's page.
func (s *Server) guidePage(ctx context.Context, r *http.Request, me *viewer, slug string) (GuidePage, error) {
	a, versions, err := s.cfg.Store.Article(ctx, me.Actor, slug)
	if err != nil {
		return GuidePage{}, err
	}
	p := GuidePage{Nav: s.nav(r, me, "guides"), Slug: a.Slug, URL: "/guides/" + a.Slug, Title: a.Name(), CanWrite: me.Actor.IsSupervisor(),
		Errors: map[string]string{}, Printed: dateTime(s.cfg.Now())}
	for _, v := range versions {
		row := GuideVersionRow{Number: v.Number, Title: v.Title, Body: v.Body, Excerpt: excerpt(v.Body, 80), From: dateTime(v.EffectiveFrom), Author: v.Author,
			At: dateTime(v.CreatedAt), Note: v.Note, State: "đã thay"}
		if row.Author == "" || row.Author == tickets.ActorSystem.Name {
			row.Author = "Hệ thống"
		}
		switch {
		case a.Current != nil && v.ID == a.Current.ID:
			row.State, row.InEffect = "đang có hiệu lực", true
		case v.EffectiveFrom.After(s.cfg.Now()):
			row.State, row.Coming = "sắp có hiệu lực", true
		}
		p.Versions = append(p.Versions, row)
	}
	for i := range p.Versions {
		if p.Versions[i].InEffect {
			p.Current = &p.Versions[i]
		}
		if a.Next != nil && p.Versions[i].Number == a.Next.Number {
			p.Next = &p.Versions[i]
		}
	}
	if len(versions) > 0 {
		p.Seen = versions[0].Number
	}
	for prompt, slug := range promptArticles {
		if slug == a.Slug && prompt != tickets.UrgentPrompt {
			p.Prompt = prompt
			if p.CanWrite {
				p.PromptURL = "/announcements/" + prompt
			}
		}
	}
	// A new version starts from the newest one, to be edited.
	if len(versions) > 0 {
		p.Form = GuideForm{Title: versions[0].Title, Body: versions[0].Body}
	}
	return p, nil
}

func (s *Server) handleGuide(w http.ResponseWriter, r *http.Request, me *viewer) {
	p, err := s.guidePage(r.Context(), r, me, r.PathValue("slug"))
	if err != nil {
		s.fail(w, r, me, err)
		return
	}
	p.Message = r.URL.Query().Get("done")
	s.render(w, r, http.StatusOK, guidePage(p))
}

// handleGuideVersion files a new version of an article (supervisors): in effect now, or
// from a time typed dd/mm/yyyy hh:mm.
func (s *Server) handleGuideVersion(w http.ResponseWriter, r *http.Request, me *viewer) {
	slug := r.PathValue("slug")
	form := GuideForm{Title: r.PostFormValue("title"), Body: r.PostFormValue("body"), From: trimmed(r.PostFormValue("from")), Note: trimmed(r.PostFormValue("note"))}
	seen, _ := strconv.Atoi(r.PostFormValue("seen"))
	n := tickets.NewArticleVersion{Title: form.Title, Body: form.Body, Note: form.Note, Seen: seen}
	var err error
	if form.From != "" {
		if n.From, err = parseDateTime(form.From); err != nil {
			err = tickets.FieldErrorf("effective_from", "%s", tickets.ErrorMessage(err))
		}
	}
	var v *tickets.ArticleVersion
	if err == nil {
		v, err = s.cfg.Store.AddArticleVersion(r.Context(), me.Actor, slug, n)
	}
	if err != nil {
		if code := tickets.ErrorCode(err); code != tickets.EINVALID && code != tickets.ECONFLICT {
			s.fail(w, r, me, err)
			return
		}
		p, perr := s.guidePage(r.Context(), r, me, slug)
		if perr != nil {
			s.fail(w, r, me, perr)
			return
		}
		p.Form = form // what the supervisor wrote is not lost
		if f := tickets.ErrorField(err); f != "" {
			p.Errors[f] = tickets.ErrorMessage(err)
		} else {
			p.Problem = tickets.ErrorMessage(err)
		}
		s.render(w, r, statusFor(err), guidePage(p))
		return
	}
	s.log.Info("article version added", "article", slug, "version", v.Number, "by", me.User.Username)
	msg := fmt.Sprintf("Đã tạo phiên bản %d, có hiệu lực từ %s.", v.Number, dateTime(v.EffectiveFrom))
	http.Redirect(w, r, "/guides/"+slug+"?done="+url.QueryEscape(msg), http.StatusSeeOther)
}

// insertText is the text a ticket's note gets for what the agent chose: an article's
// version in effect now (guide:SLUG), named with its version, or a saved reply (reply:ID).
func (s *Server) insertText(ctx context.Context, me *viewer, item string) (string, error) {
	kind, key, _ := strings.Cut(item, ":")
	switch kind {
	case "guide":
		a, _, err := s.cfg.Store.Article(ctx, me.Actor, key)
		if err != nil {
			return "", err
		}
		if a.Current == nil {
			return "", tickets.Errorf(tickets.ENOTFOUND, "Bài “%s” chưa có phiên bản nào có hiệu lực.", a.Title)
		}
		return fmt.Sprintf("Hướng dẫn “%s” (phiên bản %d):\n%s", a.Current.Title, a.Current.Number, a.Current.Body), nil
	case "reply":
		id, err := strconv.ParseInt(key, 10, 64)
		if err != nil {
			break
		}
		rep, err := s.cfg.Store.SavedReply(ctx, me.Actor, id)
		if err != nil {
			return "", err
		}
		return rep.Body, nil
	}
	return "", tickets.Errorf(tickets.EINVALID, "Hãy chọn một bài hướng dẫn hoặc một câu trả lời mẫu để chèn.")
}

// handleGuideText answers the ticket page's script with the text to insert into a note,
// as plain text.
func (s *Server) handleGuideText(w http.ResponseWriter, r *http.Request, me *viewer) {
	text, err := s.insertText(r.Context(), me, r.URL.Query().Get("insert"))
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err != nil {
		w.WriteHeader(statusFor(err))
		w.Write([]byte(tickets.ErrorMessage(err)))
		return
	}
	w.Write([]byte(text))
}

// noteInserts are what a ticket's note can have inserted: the articles and the saved
// replies.
func (s *Server) noteInserts(ctx context.Context, me *viewer) (articles, replies []option) {
	if !me.Actor.ReadsArticles() {
		return nil, nil
	}
	if all, err := s.cfg.Store.Articles(ctx, me.Actor); err == nil {
		for _, a := range all {
			if a.Current != nil {
				articles = append(articles, option{"guide:" + a.Slug, a.Name()})
			}
		}
	}
	if list, err := s.cfg.Store.SavedReplies(ctx, me.Actor); err == nil {
		for _, rep := range list {
			replies = append(replies, option{"reply:" + strconv.FormatInt(rep.ID, 10), rep.Title})
		}
	}
	return articles, replies
}

// menuWords say what a caller chose at the main menu, for the article links.
var menuWords = map[string]string{"1": "phím 1 (quy định ra vào Huế)", "5": "phím 5 (khu cách ly, khai báo y tế)"}

// ticketGuides are the links at the top of a ticket's page to the articles that answer
// what its caller chose in the IVR.
func (s *Server) ticketGuides(ctx context.Context, me *viewer, tk *tickets.Ticket) (string, []GuideLink) {
	if !me.Actor.ReadsArticles() {
		return "", nil
	}
	ta, err := s.cfg.Store.ArticlesForTicket(ctx, me.Actor, tk)
	if err != nil {
		s.log.Warn("articles for a ticket", "ticket", tk.Ref, "err", err)
		return "", nil
	}
	var menus []string
	for _, m := range ta.Menus {
		menus = append(menus, menuWords[m])
	}
	var links []GuideLink
	for _, a := range ta.Articles {
		links = append(links, GuideLink{URL: "/guides/" + a.Slug, Title: a.Name()})
	}
	return strings.Join(menus, " và "), links
}

// GuideLink links an article.
type GuideLink struct {
	URL, Title string
}

// handlePromptToGuide publishes an announcement's typed text as an article's new version
// (supervisors), from the announcement's page.
func (s *Server) handlePromptToGuide(w http.ResponseWriter, r *http.Request, me *viewer) {
	prompt := r.PathValue("prompt")
	vid, _ := strconv.ParseInt(r.PathValue("version"), 10, 64)
	field := "guide-" + strconv.FormatInt(vid, 10)
	p := tickets.PublishPrompt{VersionID: vid, Slug: r.PostFormValue("article")}
	if t := trimmed(r.PostFormValue("from")); t != "" {
		from, err := parseDateTime(t)
		if err != nil {
			s.refusePrompt(w, r, me, field, err, VersionForm{})
			return
		}
		p.From = from
	}
	if pv, err := s.cfg.Store.PromptVersion(r.Context(), vid); err != nil || pv.Prompt != prompt {
		s.fail(w, r, me, tickets.Errorf(tickets.ENOTFOUND, "Không tìm thấy phiên bản lời nhắn."))
		return
	}
	v, err := s.cfg.Store.PublishPromptVersion(r.Context(), me.Actor, p)
	if err != nil {
		s.refusePrompt(w, r, me, field, err, VersionForm{})
		return
	}
	s.log.Info("announcement published to the guides", "prompt", prompt, "version", vid, "article", v.Slug, "article_version", v.Number, "by", me.User.Username)
	msg := fmt.Sprintf("Đã đăng thành phiên bản %d của bài hướng dẫn “%s”, có hiệu lực từ %s.", v.Number, v.Title, dateTime(v.EffectiveFrom))
	http.Redirect(w, r, "/announcements/"+prompt+"?done="+url.QueryEscape(msg)+"#vi", http.StatusSeeOther)
}

// promptArticles are the articles a prompt's text is published to by default.
var promptArticles = map[string]string{"rules_info": tickets.ArticleRules, "quarantine_info": tickets.ArticleQuarantine,
	"message_support": tickets.ArticleSupport, tickets.UrgentPrompt: tickets.ArticleRules}

// noteRows is how many lines the note's field shows: three, more for a text inserted.
func noteRows(note string) int {
	n := 3
	if note != "" {
		n = min(16, max(n, len([]rune(note))/70+strings.Count(note, "\n")+2))
	}
	return n
}
