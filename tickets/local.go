package tickets

import (
	"time"
	_ "time/tzdata" // the zone must exist on any machine the hotline runs on
)

// Local is the hotline's local time zone: days for reports and ticket years are
// counted in Huế's time.
var Local = mustZone("Asia/Ho_Chi_Minh")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}
