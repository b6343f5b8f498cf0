package tickets

import (
	"context"
	"fmt"
	"time"
)

// A new hotline's knowledge base is not empty: at first start it gets the four articles
// the menus send callers to, each with a first version written from what callers hear
// (sounds/prompts.tsv: rules_info, quarantine_info, the support menu's and message's
// words), and a few saved replies. Supervisors write the next versions.

// firstArticlesFrom is when the first versions are in effect: before any call the
// hotline takes (and before any test's clock), 00:00 on 01/01/2020 in Huế.
var firstArticlesFrom = time.Date(2020, 1, 1, 0, 0, 0, 0, Local)

// firstNote is the note of the first versions.
const firstNote = "Bản đầu, từ lời nhắn của tổng đài (sounds/prompts.tsv)."

var firstArticles = []struct{ slug, title, body string }{
	{ArticleRules, "Quy định ra vào Huế hiện hành",
		"Quy định hiện hành: người từ địa phương có dịch đến hoặc về Huế phải khai báo y tế trên ứng dụng Hue-S hoặc tại chốt kiểm soát, và thực hiện cách ly theo hướng dẫn của ngành y tế. Thông tin chi tiết được cập nhật hằng ngày trên ứng dụng Hue-S."},
	{ArticleQuarantine, "Khu cách ly tập trung",
		"Danh sách khu cách ly tập trung và hướng dẫn khai báo y tế có trên ứng dụng Hue-S, mục khai báo y tế. Nếu cần được hướng dẫn trực tiếp, cán bộ y tế sẽ gọi lại cho quý vị."},
	{ArticleDeclaration, "Khai báo y tế trên Hue-S",
		"Người từ địa phương có dịch đến hoặc về Huế phải khai báo y tế trên ứng dụng Hue-S hoặc tại chốt kiểm soát.\n\n" +
			"Hướng dẫn khai báo y tế có trên ứng dụng Hue-S, mục khai báo y tế. Người gọi cần được hướng dẫn trực tiếp: ghi phiếu để cán bộ y tế gọi lại."},
	{ArticleSupport, "Đăng ký hỗ trợ công dân đang ở ngoài tỉnh",
		"Công dân Thừa Thiên Huế đang ở ngoài tỉnh đăng ký hỗ trợ bằng phím 4 ở danh sách chính của tổng đài: chọn khu vực của gia đình, số điện thoại để cán bộ gọi lại, rồi sau tiếng bíp cho biết họ tên, nơi đang ở và cần hỗ trợ gì.\n\n" +
			"Phiếu đăng ký được giao cho phường, xã của gia đình đã chọn; cán bộ phường, xã liên hệ lại với người đăng ký."},
}

var firstReplies = []struct{ title, body string }{
	{"Đã cung cấp quy định", "Đã cung cấp cho người gọi quy định ra vào Huế hiện hành."},
	{"Đã hướng dẫn khai báo Hue-S", "Đã hướng dẫn người gọi khai báo y tế trên ứng dụng Hue-S, mục khai báo y tế."},
	{"Hẹn cán bộ gọi lại", "Người gọi cần được hướng dẫn trực tiếp; đã hẹn cán bộ y tế phường, xã gọi lại."},
}

// firstArticles writes the first articles and saved replies into a knowledge base that
// has none. It reads first, so that a hotline's every start after the first costs one
// query; the write re-checks in its transaction, so two instances starting at once write
// them once.
func (s *Store) firstArticles(ctx context.Context) error {
	var n int
	if err := s.db.GetContext(ctx, &n, `SELECT COUNT(*) FROM articles`); err != nil {
		return fmt.Errorf("count articles: %w", err)
	}
	if n > 0 {
		return nil
	}
	return s.inTx(ctx, func(t *tx) error {
		if err := t.GetContext(ctx, &n, `SELECT COUNT(*) FROM articles`); err != nil || n > 0 {
			return err
		}
		for _, a := range firstArticles {
			var id int64
			err := t.QueryRowxContext(ctx, t.Rebind(`INSERT INTO articles (slug, title, created_at) VALUES (?, ?, ?) RETURNING id`),
				a.slug, a.title, t.now).Scan(&id)
			if err != nil {
				return fmt.Errorf("add article %s: %w", a.slug, err)
			}
			v := &ArticleVersion{ArticleID: id, Slug: a.slug, Title: a.title, Body: a.body, EffectiveFrom: firstArticlesFrom, Note: firstNote}
			if err := addArticleVersion(ctx, t, ActorSystem, v); err != nil {
				return err
			}
		}
		for _, r := range firstReplies {
			if err := addSavedReply(ctx, t, ActorSystem, &SavedReply{Title: r.title, Body: r.body}); err != nil {
				return err
			}
		}
		return nil
	})
}
