package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/huehotline/hotline/sounds/soundstest"
	"github.com/huehotline/hotline/tickets"
	"github.com/huehotline/hotline/web"
)

// countingAnnouncer counts how often the console told the IVR that what callers hear
// changed.
type countingAnnouncer struct{ n atomic.Int32 }

func (a *countingAnnouncer) PromptsChanged() { a.n.Add(1) }

// audioCounting counts the store's reads of prompt audio: the prompt server caches it.
type audioCounting struct {
	*tickets.Store
	reads atomic.Int32
}

func (s *audioCounting) PromptAudio(ctx context.Context, id int64) ([]byte, error) {
	s.reads.Add(1)
	return s.Store.PromptAudio(ctx, id)
}

// upload sends the new-version form with a file, as the page does.
func upload(t *testing.T, cl *http.Client, u string, fields map[string]string, name string, file []byte) (int, string) {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	if file != nil {
		fw, _ := w.CreateFormFile("file", name)
		fw.Write(file)
	}
	w.Close()
	req, _ := http.NewRequest(http.MethodPost, u, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// ffmpegFile makes a recording of spoken Vietnamese in a format, with espeak-ng and
// ffmpeg.
func ffmpegFile(t *testing.T, ext string, args ...string) []byte {
	t.Helper()
	dir := t.TempDir()
	raw := filepath.Join(dir, "raw.wav")
	if out, err := exec.Command("espeak-ng", "-v", "vi-vn-x-central", "-w", raw, "Quy định mới từ ngày mười hai tháng tám").CombinedOutput(); err != nil {
		t.Fatalf("espeak-ng (make deps installs it): %v %s", err, out)
	}
	out := filepath.Join(dir, "x."+ext)
	cmd := exec.Command("ffmpeg", append(append([]string{"-nostdin", "-v", "error", "-y", "-i", raw}, args...), out)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg (make deps installs it): %v %s", err, b)
	}
	b, _ := os.ReadFile(out)
	return b
}

// A supervisor makes versions of a prompt from typed text and from a recording, hears
// them at their own URLs (read from the database once), makes one live (the IVR is told),
// and schedules one; bad input is refused beside its field and changes nothing.
func TestAnnouncementVersions(t *testing.T) {
	ann := &countingAnnouncer{}
	var store *audioCounting
	c := newConsole(t, func(cfg *web.Config) {
		cfg.Announcer = ann
		store = &audioCounting{Store: cfg.Store.(*tickets.Store)}
		cfg.Store = store
	})
	minh := c.client("minh")
	page := c.srv.URL + "/announcements/rules_info"

	code, body := upload(t, minh, page+"/versions", map[string]string{"lang": "vi", "source": "text", "text": "Từ 00:00 ngày 12/08, người vào Huế phải khai báo y tế trên Hue-S.", "note": "theo công văn 123"}, "", nil)
	if code != http.StatusSeeOther {
		t.Fatalf("a version from typed text: %d\n%s", code, body)
	}
	code, body = upload(t, minh, page+"/versions", map[string]string{"lang": "en", "source": "upload", "text": "New rules from 12 August"}, "rules.mp3", ffmpegFile(t, "mp3", "-c:a", "libmp3lame", "-b:a", "48k"))
	if code != http.StatusSeeOther {
		t.Fatalf("a version from an MP3: %d\n%s", code, body)
	}
	ctx := context.Background()
	versions, err := c.store.PromptVersions(ctx, c.actor("minh"), "rules_info")
	if err != nil || len(versions) != 2 {
		t.Fatalf("versions %+v %v", versions, err)
	}
	var vi, en *tickets.PromptVersion
	for _, v := range versions {
		if v.Lang == "vi" {
			vi = v
		} else {
			en = v
		}
	}
	if vi.Source != tickets.PromptText || vi.Number != 2 || vi.Note != "theo công văn 123" || en.Source != tickets.PromptUpload {
		t.Errorf("versions: %+v %+v", vi, en)
	}
	// Its own URL, the same bytes every time, read from the database once.
	audio := fmt.Sprintf("%s/sounds/v%d/vi/rules_info.wav", c.srv.URL, vi.ID)
	for range 3 {
		resp, err := http.Get(audio)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !bytes.HasPrefix(b, []byte("RIFF")) || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
			t.Fatalf("GET %s: %d %q %q", audio, resp.StatusCode, b[:min(len(b), 8)], resp.Header.Get("Cache-Control"))
		}
	}
	if n := store.reads.Load(); n != 1 {
		t.Errorf("the prompt server read the audio %d times for 3 plays, want once", n)
	}
	if code, _ := get(t, c.client(""), fmt.Sprintf("%s/sounds/v%d/en/rules_info.wav", c.srv.URL, vi.ID)); code != 404 {
		t.Errorf("a version under another language's path: %d, want 404", code)
	}

	// Not yet live; then live now.
	if _, page := get(t, minh, page); !strings.Contains(page, "bản gốc (1)") {
		t.Errorf("before going live the page does not say version 1 plays")
	}
	code, body = post(t, minh, page+"/live", url.Values{"lang": {"vi"}, "version": {fmt.Sprint(vi.ID)}, "seen": {"0"}})
	if code != http.StatusSeeOther {
		t.Fatalf("go live: %d %s", code, body)
	}
	if ann.n.Load() != 1 {
		t.Errorf("the IVR was told %d times, want once", ann.n.Load())
	}
	live, _ := c.store.PromptsLiveNow(ctx, c.actor("minh"))
	if l := live["rules_info/vi"]; l == nil || l.Number != 2 {
		t.Fatalf("live now: %+v", l)
	}
	_, list := get(t, minh, c.srv.URL+"/announcements")
	if !strings.Contains(list, "phiên bản 2") || !strings.Contains(list, `data-testid="missing"`) {
		t.Errorf("the list does not show version 2 live in Vietnamese and the English behind it")
	}

	t.Run("ErrInvalid", func(t *testing.T) {
		before, _ := c.store.PromptVersions(ctx, c.actor("minh"), "rules_info")
		for name, form := range map[string]struct {
			fields map[string]string
			file   []byte
			field  string
		}{
			"a text file named .mp3": {map[string]string{"lang": "vi", "source": "upload"}, []byte("Quy định ra vào Huế\n"), "file"},
			"silence":                {map[string]string{"lang": "vi", "source": "upload"}, silenceWAV(), "file"},
			"no text to speak":       {map[string]string{"lang": "vi", "source": "text", "text": "  "}, nil, "text"},
			"no file":                {map[string]string{"lang": "vi", "source": "upload"}, nil, "file"},
		} {
			code, body := upload(t, minh, page+"/versions", form.fields, "x.mp3", form.file)
			if code != http.StatusUnprocessableEntity || !strings.Contains(body, `data-testid="error-`+form.field+`"`) {
				t.Errorf("%s: %d, want 422 with the message beside %s", name, code, form.field)
			}
		}
		if after, _ := c.store.PromptVersions(ctx, c.actor("minh"), "rules_info"); len(after) != len(before) {
			t.Errorf("refused uploads made versions: %d, was %d", len(after), len(before))
		}
		l := live["rules_info/vi"]
		for name, f := range map[string]url.Values{
			"a start in the past":     {"lang": {"vi"}, "version": {fmt.Sprint(vi.ID)}, "seen": {fmt.Sprint(l.ID)}, "from": {"01/01/2021 08:00"}},
			"an end before the start": {"lang": {"vi"}, "version": {fmt.Sprint(vi.ID)}, "seen": {fmt.Sprint(l.ID)}, "from": {"01/01/2031 08:00"}, "until": {"31/12/2030 08:00"}},
			"a date not understood":   {"lang": {"vi"}, "version": {fmt.Sprint(vi.ID)}, "seen": {fmt.Sprint(l.ID)}, "from": {"2031-13-45"}},
		} {
			code, body := post(t, minh, page+"/live", f)
			if code != http.StatusUnprocessableEntity || !strings.Contains(body, `data-testid="error-live-vi"`) {
				t.Errorf("%s: %d, want 422 with the message beside the language's versions", name, code)
			}
		}
	})
	t.Run("ErrConflict", func(t *testing.T) {
		// Another supervisor's page still says version 1 plays.
		code, body := post(t, minh, page+"/live", url.Values{"lang": {"vi"}, "version": {"0"}, "seen": {"0"}})
		if code != http.StatusConflict || !strings.Contains(body, "người khác") || !strings.Contains(body, "phiên bản 2") {
			t.Errorf("a stale go-live: %d, want 409 and the page as it is now", code)
		}
	})
	t.Run("ErrForbidden", func(t *testing.T) {
		for _, who := range []string{"lan", "hoa", "root"} {
			if code, _ := get(t, c.client(who), c.srv.URL+"/announcements"); code != http.StatusForbidden {
				t.Errorf("%s: %d, want 403", who, code)
			}
		}
	})
}

// silenceWAV is two seconds of digital silence at 8 kHz.
func silenceWAV() []byte {
	b := soundstest.WAV(2*time.Second, 8000)
	for i := 44; i < len(b); i++ {
		b[i] = 0
	}
	return b
}

// In the browser: a supervisor writes the urgent message and makes it live until
// midnight, previews it, records a version of a prompt with the browser's microphone,
// publishes it, and rolls back to the original.
func TestAnnouncementsInTheBrowser(t *testing.T) {
	c := newConsole(t)
	ctx := newTab(t)
	c.signIn(ctx, "minh")
	err := chromedp.Do(ctx,
		chromedp.Navigate(c.srv.URL+"/announcements"),
		chromedp.WaitVisible(`[data-testid="urgent-off-vi"]`),
		chromedp.Click(`[data-testid="urgent-edit"]`),
		chromedp.WaitVisible(`[data-testid="version-form"]`),
		chromedp.SendKeys(`[data-testid="version-text"]`, "Từ 18 giờ tối nay, xã Phú Vang phong toả."),
		chromedp.Click(`[data-testid="version-save"]`),
		chromedp.WaitVisible(`[data-testid="message"]`),
	)
	if err != nil {
		t.Fatalf("write the urgent message: %v", err)
	}
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[float64](`(async () => {
		const a = document.querySelector('[data-testid="versions-vi"] audio');
		await new Promise((ok, fail) => { a.onloadedmetadata = ok; a.onerror = () => fail(new Error("audio")); a.preload = "auto"; a.load(); });
		return a.duration;
	})()`, chromedp.EvalAwaitPromise)); n < 1 {
		t.Errorf("the new version does not play in the page: %v s", n)
	}
	until := time.Now().In(tickets.Local).Add(6 * time.Hour).Format("02/01/2006 15:04")
	err = chromedp.Do(ctx,
		chromedp.SendKeys(`[data-testid="golive-vi-2"] input[name="until"]`, until),
		chromedp.Click(`[data-testid="golive-vi-2"] button`),
		chromedp.WaitVisible(`[data-testid="urgent-on-vi"]`),
	)
	if err != nil {
		t.Fatalf("make the urgent message live: %v", err)
	}
	screenshot(t, ctx, "announcements", 1280)
	screenshot(t, ctx, "announcements-phone", 390)
	if err := chromedp.Do(ctx, chromedp.Click(`[data-testid="urgent-stop-vi"]`), chromedp.WaitVisible(`[data-testid="urgent-off-vi"]`)); err != nil {
		t.Fatalf("switch the urgent message off: %v", err)
	}

	// A version of the rules recorded in the browser (the test browser's microphone plays a
	// tone), then live, then rolled back.
	err = chromedp.Do(ctx,
		chromedp.Navigate(c.srv.URL+"/announcements/rules_info"),
		chromedp.WaitVisible(`[data-testid="version-form"]`),
		chromedp.Click(`[data-record-start]`),
		chromedp.Sleep(2500*time.Millisecond),
		chromedp.Click(`[data-record-stop]`),
	)
	if err != nil {
		t.Fatalf("record in the browser: %v", err)
	}
	recorded := waitTexts(t, ctx, `[data-record-state]`, func(s []string) bool { return len(s) == 1 && strings.Contains(s[0], "Đã ghi") })
	t.Logf("recorder: %s", recorded[0])
	err = chromedp.Do(ctx,
		chromedp.SendKeys(`[data-testid="version-text"]`, "Quy định mới (ghi âm)"),
		chromedp.Click(`[data-testid="version-save"]`),
		chromedp.WaitVisible(`[data-testid="golive-vi-2"]`),
		chromedp.Click(`[data-testid="golive-vi-2"] button`),
	)
	if err != nil {
		page, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
		t.Fatalf("send and publish the recording: %v\n%s", err, page)
	}
	// Version 1 is marked live before the click too: wait for the page that says version 2
	// plays, or the roll-back below clicks the old page and cancels the go-live's request.
	waitTexts(t, ctx, `[data-testid="now-vi"]`, func(s []string) bool { return len(s) == 1 && strings.Contains(s[0], "phiên bản 2") })
	vs, _ := c.store.PromptVersions(context.Background(), c.actor("minh"), "rules_info")
	if len(vs) != 1 || vs[0].Source != tickets.PromptBrowser {
		t.Fatalf("versions after the browser's recording: %+v", vs)
	}
	screenshot(t, ctx, "announcement-prompt", 1280)
	screenshot(t, ctx, "announcement-prompt-phone", 390)
	if err := chromedp.Do(ctx, chromedp.Click(`[data-testid="golive-vi-1"] button`)); err != nil {
		t.Fatalf("roll back: %v", err)
	}
	waitTexts(t, ctx, `[data-testid="now-vi"]`, func(s []string) bool { return len(s) == 1 && strings.Contains(s[0], "bản gốc (1)") })
	history, _ := chromedp.Run(ctx, chromedp.Text(`[data-testid="prompt-history"]`))
	if strings.Count(history, "phát phiên bản") != 2 {
		t.Errorf("history: %q", history)
	}
}

// fakeStudio takes what the console asks to record by phone.
type fakeStudio struct {
	mu   sync.Mutex
	asks []string
	err  error
}

func (f *fakeStudio) RecordByPhone(_ context.Context, actor tickets.Actor, phone, prompt, lang, text, note string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	f.asks = append(f.asks, strings.Join([]string{actor.Name, phone, prompt, lang, text, note}, "|"))
	return nil
}

// A supervisor with a phone asks to record a prompt on it; one without is told why on
// the page and offered no button; agents may not; the studio's refusal is shown beside
// the form; a console without Asterisk offers no recording by phone.
func TestRecordByPhoneFromTheConsole(t *testing.T) {
	studio := &fakeStudio{}
	c := newConsole(t, func(cfg *web.Config) { cfg.Studio = studio })
	page := c.srv.URL + "/announcements/rules_info"
	minh := c.client("minh")

	// minh has no phone yet.
	_, body := get(t, minh, page)
	if !strings.Contains(body, `data-testid="phone-missing"`) || strings.Contains(body, `data-testid="phone-call"`) {
		t.Errorf("a supervisor without a phone: the page should say why, with no button")
	}
	if code, body := post(t, minh, page+"/phone", url.Values{"lang": {"vi"}}); code != http.StatusUnprocessableEntity || !strings.Contains(body, "chưa có máy điện thoại") {
		t.Errorf("recording by phone without one: %d, want 422 saying the account has no phone", code)
	}
	phone := "PJSIP/agent105"
	if _, err := c.store.UpdateUser(context.Background(), tickets.ActorSystem, c.users["minh"].ID, tickets.UserEdit{Phone: &phone}); err != nil {
		t.Fatal(err)
	}
	minh = c.client("minh") // the change of phone signed minh out
	_, body = get(t, minh, page)
	if !strings.Contains(body, `data-testid="phone-call"`) || !strings.Contains(body, phone) {
		t.Errorf("a supervisor with a phone is offered to record on it")
	}
	code, body := post(t, minh, page+"/phone", url.Values{"lang": {"en"}, "text": {"New rules"}, "note": {"by phone"}})
	if code != http.StatusSeeOther {
		t.Fatalf("record by phone: %d %s", code, body)
	}
	if want := "minh|" + phone + "|rules_info|en|New rules|by phone"; len(studio.asks) != 1 || studio.asks[0] != want {
		t.Errorf("the studio was asked %q, want %q", studio.asks, want)
	}
	studio.err = tickets.Errorf(tickets.ECONFLICT, "Máy %s đang ghi âm; hãy xong bản đó trước.", phone)
	if code, body := post(t, minh, page+"/phone", url.Values{"lang": {"vi"}}); code != http.StatusConflict || !strings.Contains(body, "đang ghi âm") {
		t.Errorf("the studio's refusal: %d, want 409 with its words", code)
	}
	if code, _ := post(t, c.client("lan"), page+"/phone", url.Values{"lang": {"vi"}}); code != http.StatusForbidden {
		t.Errorf("an agent recording a prompt: %d, want 403", code)
	}
	if code, _ := post(t, minh, c.srv.URL+"/announcements/nosuch/phone", url.Values{"lang": {"vi"}}); code != http.StatusNotFound {
		t.Errorf("an unknown prompt: %d, want 404", code)
	}

	plain := newConsole(t)
	if _, body := get(t, plain.client("minh"), plain.srv.URL+"/announcements/rules_info"); strings.Contains(body, `data-testid="phone-section"`) {
		t.Errorf("a console without Asterisk offers recording by phone")
	}
}
