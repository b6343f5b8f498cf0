package main_test

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
	"testing"
	"time"

	"github.com/huehotline/hotline/cmd/hotline/testcaller"
	"github.com/huehotline/hotline/ivr/asterisk"
	"github.com/huehotline/hotline/sounds"
	"github.com/huehotline/hotline/tickets"
)

// newPromptVersion makes a version of a prompt in the console as a supervisor would: from
// typed text, or from a recording file; it returns the version.
func newPromptVersion(t *testing.T, h *hotline, cl *http.Client, prompt, lang, text, file string, recording []byte) *tickets.PromptVersion {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	w.WriteField("lang", lang)
	w.WriteField("text", text)
	if recording == nil {
		w.WriteField("source", "text")
	} else {
		w.WriteField("source", "upload")
		fw, _ := w.CreateFormFile("file", file)
		fw.Write(recording)
	}
	w.Close()
	req, _ := http.NewRequest(http.MethodPost, "http://"+h.addr+"/announcements/"+prompt+"/versions", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("new version of %s: %s\n%s", prompt, resp.Status, b)
	}
	list, err := h.store().PromptVersions(context.Background(), tickets.Actor{Role: tickets.RoleSupervisor}, prompt)
	if err != nil || len(list) == 0 {
		t.Fatalf("versions of %s: %v", prompt, err)
	}
	for _, v := range list {
		if v.Lang == lang {
			return v // the newest first
		}
	}
	t.Fatalf("no %s version of %s", lang, prompt)
	return nil
}

// goLive makes a version live in the console, until a time if not zero.
func goLive(t *testing.T, h *hotline, cl *http.Client, v *tickets.PromptVersion, until time.Time) {
	t.Helper()
	live, _ := h.store().PromptsLiveNow(context.Background(), tickets.Actor{Role: tickets.RoleSupervisor})
	seen := "0"
	if l := live[v.Prompt+"/"+v.Lang]; l != nil {
		seen = fmt.Sprint(l.ID)
	}
	form := url.Values{"lang": {v.Lang}, "version": {fmt.Sprint(v.ID)}, "seen": {seen}}
	if !until.IsZero() {
		form.Set("until", until.In(tickets.Local).Format("02/01/2006 15:04:05"))
	}
	if code, body := consolePost(t, cl, "http://"+h.addr+"/announcements/"+v.Prompt+"/live", form); code != http.StatusSeeOther {
		t.Fatalf("go live: %d %s", code, body)
	}
}

// uriOf returns the media URI a call's prompt was played from.
func uriOf(t *testing.T, res *testcaller.TestCallResult, prompt string) string {
	t.Helper()
	for _, u := range res.PromptURIs {
		if strings.HasSuffix(u, "/"+prompt+".wav") {
			return u
		}
	}
	t.Fatalf("the call was not played %s: %v", prompt, res.PromptURIs)
	return ""
}

// Through the real Asterisk: a call hears version 1 of the rules; a supervisor publishes
// version 2 (typed text) in the console; the next call hears version 2 from its own URL,
// whose audio differs, and a call that was in the menu during the change hears the
// version it started with and is not cut; an uploaded recording plays; the urgent
// message plays after the welcome and stops at its expiry.
func TestAnnouncementsReachCalls(t *testing.T) {
	h := startHotline(t, "")
	minh := h.consoleUser("minh", tickets.RoleSupervisor, "")
	caller := newCaller(t)
	rules := testcaller.TestCall{From: "0905123456", Keys: []string{"1"}, Barge: 700 * time.Millisecond, HangupAfterKeys: -1, MaxDuration: 90 * time.Second}
	first := call(t, caller, rules)
	v1 := uriOf(t, first, "rules_info")
	if !strings.HasSuffix(v1, "/sounds/vi/rules_info.wav") {
		t.Errorf("the first call heard %s, want the embedded version", v1)
	}

	// A caller is in the main menu while the new rules are published.
	during := make(chan *testcaller.TestCallResult, 1)
	go func() {
		res, _ := caller.Place(context.Background(), testcaller.TestCall{From: "0905123457", Keys: []string{"1"}, HangupAfterKeys: -1, MaxDuration: 2 * time.Minute})
		during <- res
	}()
	waitCall(t, h.store(), 20*time.Second, "answered", func(c *tickets.Call) bool {
		return c.AnsweredAt != nil && c.CallerNumber != nil && *c.CallerNumber == "+84905123457"
	})
	v2 := newPromptVersion(t, h, minh, "rules_info", "vi", "Từ 00:00 ngày 12/08, mọi người vào Huế phải khai báo y tế trên ứng dụng Hue-S.", "", nil)
	published := time.Now()
	goLive(t, h, minh, v2, time.Time{})
	waitFor(t, h, 2*time.Second, "the hotline's log of the new version", func() bool {
		return strings.Contains(h.logText(), fmt.Sprintf("vi/rules_info=v%d/", v2.ID))
	})
	t.Logf("the new version was live in the hotline %v after the supervisor published it", time.Since(published).Round(time.Millisecond))
	second := call(t, caller, rules)
	want := fmt.Sprintf("/sounds/v%d/vi/rules_info.wav", v2.ID)
	if got := uriOf(t, second, "rules_info"); !strings.HasSuffix(got, want) {
		t.Errorf("the next call heard %s, want %s", got, want)
	}
	res := <-during
	if res == nil || !strings.HasSuffix(uriOf(t, res, "rules_info"), "/sounds/vi/rules_info.wav") {
		t.Errorf("the call in the menu during the change: %+v, want the version it started with", res)
	} else if c := finalRecord(t, h.store(), res.HotlineID); c.Outcome != tickets.OutcomeInformation {
		t.Errorf("the call in the menu during the change ended %s, want information_only (not cut)", c.Outcome)
	}
	a, b := fetchBody(t, "http://"+h.addr+"/sounds/vi/rules_info.wav"), fetchBody(t, "http://"+h.addr+want)
	if bytes.Equal(a, b) || len(b) < 16000 {
		t.Errorf("version 2's audio (%d bytes) is the same as version 1's (%d)", len(b), len(a))
	}

	// An English recording uploaded as M4A, played to an English caller.
	dir := t.TempDir()
	raw := filepath.Join(dir, "raw.wav")
	if out, err := exec.Command("espeak-ng", "-v", "en", "-w", raw, "Thank you for calling. Goodbye.").CombinedOutput(); err != nil {
		t.Fatalf("espeak-ng: %v %s", err, out)
	}
	m4a := filepath.Join(dir, "goodbye.m4a")
	if out, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-y", "-i", raw, "-c:a", "aac", "-b:a", "64k", m4a).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v %s", err, out)
	}
	rec, _ := os.ReadFile(m4a)
	bye := newPromptVersion(t, h, minh, "goodbye", "en", "Thank you for calling. Goodbye.", "goodbye.m4a", rec)
	goLive(t, h, minh, bye, time.Time{})
	waitFor(t, h, 2*time.Second, "the hotline's log of the English version", func() bool {
		return strings.Contains(h.logText(), fmt.Sprintf("en/goodbye=v%d/", bye.ID))
	})
	english := call(t, caller, testcaller.TestCall{From: "0905123456", Keys: []string{"9", "1"}, Barge: 700 * time.Millisecond, HangupAfterKeys: -1, MaxDuration: 90 * time.Second})
	if got := uriOf(t, english, "goodbye"); !strings.HasSuffix(got, fmt.Sprintf("/sounds/v%d/en/goodbye.wav", bye.ID)) {
		t.Errorf("the English caller heard goodbye from %s", got)
	}
	for _, e := range english.Events {
		if e.Kind == "prompt-end" && e.Detail == "failed" {
			t.Errorf("a prompt failed to play on the English call: %+v", english.Events)
		}
	}

	// The urgent message, live for 40 seconds.
	urgent := newPromptVersion(t, h, minh, tickets.UrgentPrompt, "vi", "Từ 18 giờ tối nay, xã Phú Vang phong toả.", "", nil)
	goLive(t, h, minh, urgent, time.Now().Add(40*time.Second))
	live, _ := h.store().PromptsLiveNow(context.Background(), tickets.Actor{Role: tickets.RoleSupervisor})
	l := live[tickets.UrgentPrompt+"/vi"]
	if l == nil || l.Until == nil {
		t.Fatalf("urgent message live: %+v", l)
	}
	waitFor(t, h, 2*time.Second, "the hotline's log of the urgent message", func() bool {
		return strings.Contains(h.logText(), "vi/"+tickets.UrgentPrompt+"=")
	})
	// The caller listens to the welcome to its end, presses 5 in the menu, then hangs up.
	listen := testcaller.TestCall{From: "0905123456", Keys: []string{"5"}, HangupAfterKeys: 1, MaxDuration: 90 * time.Second}
	withUrgent := call(t, caller, listen)
	if got := withUrgent.Prompts(); len(got) < 4 || got[0] != "vi/welcome" || got[1] != "vi/"+tickets.UrgentPrompt || got[2] != "vi/privacy_notice" || got[3] != "vi/main_menu" {
		t.Errorf("a call while the urgent message is live heard %v", got)
	}
	// At its expiry the hotline puts the welcome back by itself.
	time.Sleep(time.Until(*l.Until) + 500*time.Millisecond)
	after := call(t, caller, listen)
	if got := after.Prompts(); len(got) < 3 || got[0] != "vi/welcome" || got[1] != "vi/privacy_notice" || got[2] != "vi/main_menu" {
		t.Errorf("a call after the urgent message's expiry heard %v", got)
	}
}

// fetchBody GETs a URL and returns its body.
func fetchBody(t *testing.T, u string) []byte {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s", u, resp.Status)
	}
	return b
}

// Through the real Asterisk: a supervisor asks the console to record the rules on their
// own phone; the phone rings, they hear the version callers hear now and the
// instructions, speak after the beep, press # and then 1 while their recording is
// played back. The recording becomes a version of the rules made by phone, not yet
// live, with the speech's length; Asterisk keeps no copy of it.
func TestRecordPromptByPhone(t *testing.T) {
	h := startHotline(t, "")
	minh := h.consoleUser("minh", tickets.RoleSupervisor, "PJSIP/agent101")
	// The # ends the recording; 1 is pressed 3 s into the playback of it.
	pcap := filepath.Join(t.TempDir(), "keys.pcap")
	if err := testcaller.WriteDTMFPcapAt(pcap, "#1", []time.Duration{0, 3 * time.Second}); err != nil {
		t.Fatal(err)
	}
	// The supervisor speaks once the version heard now, the instructions and the beep
	// are over.
	listen := sounds.Duration("vi", "rules_info") + sounds.Duration("vi", "rec_intro") + 2*time.Second
	supervisor := agentPhone(t, "agent101", 5072, "supervisor_records.xml", listen, 1, "-key", "dtmf", pcap)

	asked := time.Now()
	form := url.Values{"lang": {"vi"}, "text": {"Quy định mới, đọc qua điện thoại."}, "note": {"ghi âm thử"}}
	if code, body := consolePost(t, minh, "http://"+h.addr+"/announcements/rules_info/phone", form); code != http.StatusSeeOther {
		t.Fatalf("record by phone: %d %s", code, body)
	}
	// A second request while the phone is recording is refused in words.
	if code, body := consolePost(t, minh, "http://"+h.addr+"/announcements/rules_info/phone", form); code != http.StatusConflict || !strings.Contains(body, "đang ghi âm") {
		t.Errorf("a second recording on the same phone: %d, want 409 saying it is recording", code)
	}
	select {
	case err := <-supervisor:
		if err != nil {
			t.Fatalf("%v\n%s", err, tail(h.logText(), 30))
		}
	case <-time.After(90 * time.Second):
		t.Fatalf("the supervisor's phone call did not end\n%s", tail(h.logText(), 30))
	}
	t.Logf("the recording by phone took %v from the request to the hang-up", time.Since(asked).Round(100*time.Millisecond))
	var v *tickets.PromptVersion
	waitFor(t, h, 5*time.Second, "a version recorded by phone", func() bool {
		list, _ := h.store().PromptVersions(context.Background(), tickets.Actor{Role: tickets.RoleSupervisor}, "rules_info")
		for _, x := range list {
			if x.Source == tickets.PromptPhone {
				v = x
				return true
			}
		}
		return false
	})
	if v.Lang != "vi" || v.Text != form.Get("text") || v.Note != "ghi âm thử" || v.Author == "" {
		t.Errorf("the version recorded by phone: %+v", v)
	}
	// sip-tester's speech lasts about 8 s; silence before and after it may be trimmed.
	if d := v.Duration(); d < 4*time.Second || d > 12*time.Second {
		t.Errorf("the version recorded by phone plays %v, want the speech's 8 s or so", d)
	}
	live, _ := h.store().PromptsLiveNow(context.Background(), tickets.Actor{Role: tickets.RoleSupervisor})
	if l := live["rules_info/vi"]; l != nil {
		t.Errorf("the recording went live by itself: %+v", l)
	}
	if b := fetchBody(t, fmt.Sprintf("http://%s/sounds/v%d/vi/rules_info.wav", h.addr, v.ID)); len(b) < 4*16000 {
		t.Errorf("the recording's audio is %d bytes", len(b))
	}
	rest := asterisk.NewREST(ariURL, ariUser, ariPass, 5*time.Second)
	var stored []struct{ Name string }
	ctx, cancel := asterisk.CommandContext()
	defer cancel()
	if err := rest.Do(ctx, http.MethodGet, "/recordings/stored", nil, nil, &stored); err != nil {
		t.Fatal(err)
	}
	for _, s := range stored {
		if strings.HasPrefix(s.Name, "studio-") {
			t.Errorf("Asterisk still keeps the studio's recording %s", s.Name)
		}
	}
	if !strings.Contains(h.logText(), "prompt version recorded by phone") {
		t.Errorf("the hotline's log does not say the version was recorded:\n%s", tail(h.logText(), 20))
	}
}
