package tickets

import (
	"strings"
)

// oldMobilePrefixes maps the 11-digit mobile prefixes retired in 2018 to the 10-digit
// ones that replaced them, so a number written the old way still finds its caller.
var oldMobilePrefixes = map[string]string{
	// Viettel
	"0162": "032", "0163": "033", "0164": "034", "0165": "035",
	"0166": "036", "0167": "037", "0168": "038", "0169": "039",
	// MobiFone
	"0120": "070", "0121": "079", "0122": "077", "0126": "076", "0128": "078",
	// VinaPhone
	"0123": "083", "0124": "084", "0125": "085", "0127": "081", "0129": "082",
	// Vietnamobile
	"0186": "056", "0188": "058",
	// Gmobile
	"0199": "059",
}

// NormalizePhone returns a Vietnamese phone number in E.164 form (+84905123456). It
// accepts the ways people and networks write numbers: 0905 123 456, 0905.123.456,
// +84 905 123 456, 84905123456, 0084..., the pre-2018 11-digit mobile prefixes
// (0168 ... becomes 038 ...) and 11-digit landlines (0234 3822 123).
func NormalizePhone(raw string) (string, error) {
	var b strings.Builder
	for i, r := range strings.TrimSpace(raw) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '.' || r == '-' || r == '(' || r == ')':
		default:
			return "", Errorf(EINVALID, "Số điện thoại %q có ký tự không hợp lệ.", raw)
		}
	}
	d := b.String()
	switch {
	case strings.HasPrefix(d, "+84"):
		d = "0" + d[3:]
	case strings.HasPrefix(d, "0084"):
		d = "0" + d[4:]
	case strings.HasPrefix(d, "84") && (len(d) == 11 || len(d) == 12):
		d = "0" + d[2:]
	case strings.HasPrefix(d, "+"):
		return "", Errorf(EINVALID, "Số điện thoại %q không phải số Việt Nam.", raw)
	}
	if len(d) == 11 {
		if p, ok := oldMobilePrefixes[d[:4]]; ok {
			d = p + d[4:]
		}
	}
	switch {
	case len(d) == 10 && d[0] == '0' && strings.ContainsRune("35789", rune(d[1])):
		// mobile: 03x, 05x, 07x, 08x, 09x
	case len(d) == 11 && strings.HasPrefix(d, "02"):
		// landline: 02 + area code + subscriber number
	default:
		return "", Errorf(EINVALID, "Số điện thoại %q không đúng định dạng.", raw)
	}
	return "+84" + d[1:], nil
}

// FormatPhone shows an E.164 number the way Vietnamese users write it: 0905 123 456 for
// mobiles, 0234 3822 123 for landlines. Anything else is returned as it is.
func FormatPhone(e164 string) string {
	if !strings.HasPrefix(e164, "+84") {
		return e164
	}
	d := "0" + e164[3:]
	switch len(d) {
	case 10:
		return d[:4] + " " + d[4:7] + " " + d[7:]
	case 11:
		return d[:4] + " " + d[4:8] + " " + d[8:]
	}
	return d
}

// MaskPhone shows only enough of a number to tell calls apart (0905 *** 456), for pages
// and logs that must not reveal who called.
func MaskPhone(e164 string) string {
	f := FormatPhone(e164)
	if len(f) < 8 {
		return "***"
	}
	return f[:4] + " *** " + f[len(f)-3:]
}

// NationalDigits reads an E.164 number back as Vietnamese callers write it, digits only
// (0905123456): what a phone shows and what the trunk dials.
func NationalDigits(e164 string) string {
	if len(e164) > 3 && e164[:3] == "+84" {
		return "0" + e164[3:]
	}
	return e164
}

// PhoneQuery is a phone number as someone typed it into a search box: the whole number,
// or only its last six digits.
type PhoneQuery struct {
	Number string // E.164, when the whole number was typed
	Last6  string // the last six digits, when only they were
}

// ParsePhoneQuery reads what someone typed to find a number, in every shape people type
// it: NormalizePhone's (0905 123 456, +84 905 123 456, 84905123456, 0168...), without the
// leading 0 (905 123 456), with +84 and the 0 (+84 0905 123 456), and only the last six
// digits (123 456: what one remembers, or reads off a masked list). ok is false for
// anything else (a name, a reference, too few digits).
func ParsePhoneQuery(q string) (PhoneQuery, bool) {
	if n, err := NormalizePhone(q); err == nil {
		return PhoneQuery{Number: n}, true
	}
	var b strings.Builder
	for i, r := range strings.TrimSpace(q) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
		case r == ' ' || r == '.' || r == '-' || r == '(' || r == ')':
		default:
			return PhoneQuery{}, false
		}
	}
	d := b.String()
	// The country code and the trunk prefix both (+84 0905 ...): one of them goes.
	for _, cc := range []string{"00840", "840"} {
		if strings.HasPrefix(d, cc) && len(d) >= len(cc)+9 {
			d = d[len(cc)-1:]
		}
	}
	switch {
	case len(d) == 6:
		return PhoneQuery{Last6: d}, true
	case (len(d) == 9 || len(d) == 10) && d[0] != '0': // the national number without its 0: 905 123 456, 234 3822 123
		d = "0" + d
	}
	if n, err := NormalizePhone(d); err == nil {
		return PhoneQuery{Number: n}, true
	}
	return PhoneQuery{}, false
}

// lastDigits is the SQL condition that a phone column ends with six digits (the one
// argument), written exactly as the indexes of the migration phone_last_digits are, so
// that it reads an index: the column's last six digits, where it holds a number. Only
// functions every SQL database has (substr, length); col is a column name, never input.
func lastDigits(col string) string {
	return "length(" + col + ") > 6 AND substr(" + col + ", length(" + col + ") - 5) = ?"
}

// phoneCondition selects the rows whose phone column (col, a name, never input) is the
// number typed in whatever shape, or ends with the six digits typed.
func phoneCondition(col, typed string) (string, []any, error) {
	switch p, ok := ParsePhoneQuery(typed); {
	case !ok:
		return "", nil, Errorf(EINVALID, "Số điện thoại %q không đúng: hãy nhập cả số (0905 123 456, có hay không có số 0 đầu) hoặc 6 số cuối (123 456).", typed)
	case p.Number != "":
		return col + " = ?", []any{p.Number}, nil
	default:
		return lastDigits(col), []any{p.Last6}, nil
	}
}
