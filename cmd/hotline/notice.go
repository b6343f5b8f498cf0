package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/huehotline/hotline/sounds"
	"github.com/huehotline/hotline/tickets"
)

// defaultController is the controller of the citizens' personal data the embedded notice
// names (sounds/prompts.tsv, privacy_notice): the health department of Huế.
const defaultController = "Sở Y tế thành phố Huế"

// noticePrompt is the notice at collection callers hear before the main menu.
const noticePrompt = "privacy_notice"

// noticeStore is what the check of the notice reads: the versions live now and their text.
type noticeStore interface {
	LivePrompts(ctx context.Context, at time.Time) ([]*tickets.PromptLive, error)
	PromptVersion(ctx context.Context, id int64) (*tickets.PromptVersion, error)
}

// noticeText is the Vietnamese text of the notice callers hear now, and its version's
// number: a supervisor's version live now, or the embedded one (1).
func noticeText(ctx context.Context, s noticeStore, now time.Time) (string, int, error) {
	live, err := s.LivePrompts(ctx, now)
	if err != nil {
		return "", 0, fmt.Errorf("the notice live now: %w", err)
	}
	for _, l := range live {
		if l.Prompt == noticePrompt && l.Lang == "vi" && l.VersionID != nil {
			v, err := s.PromptVersion(ctx, *l.VersionID)
			if err != nil {
				return "", 0, fmt.Errorf("the notice's version %d: %w", *l.VersionID, err)
			}
			return v.Text, v.Number, nil
		}
	}
	for _, e := range sounds.Catalog() {
		if e.ID == noticePrompt {
			return e.Text["vi"], 1, nil
		}
	}
	return "", 0, fmt.Errorf("the notice %s is not among the prompts", noticePrompt)
}

// checkNotice warns when the notice callers hear does not name the controller of
// HOTLINE_CONTROLLER: the audio is recorded, so a hotline run by another department
// needs a version of the notice (Thông báo) that says so. It reports whether it names it.
func checkNotice(ctx context.Context, s noticeStore, controller string, now time.Time, log *slog.Logger) bool {
	text, number, err := noticeText(ctx, s, now)
	if err != nil {
		log.Warn("the notice callers hear could not be checked", "err", err)
		return false
	}
	if !strings.Contains(strings.ToLower(text), strings.ToLower(controller)) {
		log.Warn("the notice callers hear does not name HOTLINE_CONTROLLER; make a version of it in Thông báo that does",
			"prompt", noticePrompt, "version", number, "controller", controller)
		return false
	}
	return true
}
