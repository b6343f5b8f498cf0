package ivr

import (
	"context"
	"time"

	"github.com/huehotline/hotline/tickets"
)

// requestCallback puts the callback request of a caller who pressed 1 in the queue, at
// the place they had, once their callback ticket is made. A ticket the database did not
// take yet (spooled) stays an ordinary callback ticket for the agents.
func (c *call) requestCallback() {
	q := c.app.cfg.Desk
	c.placeKept = false
	number := c.m.Answers["callback"]
	if number == "" && c.rec.CallerNumber != nil {
		number = *c.rec.CallerNumber
	}
	if n, err := tickets.NormalizePhone(number); err == nil {
		number = n
	} else {
		number = ""
	}
	if c.ticketID == 0 || number == "" {
		q.DropPlace(c.rec.ID)
		return
	}
	callID := c.rec.ID
	r := &tickets.CallbackRequest{TicketID: c.ticketID, CallID: &callID, Number: number, Lang: c.m.Lang, TicketRef: c.ticketRef}
	err := tickets.RetryTransient(3*time.Second, func(ctx context.Context) error { return q.PlaceKept(ctx, c.rec.ID, r) })
	if err != nil {
		c.log.Error("keep the caller's place for the callback", "err", err)
		q.DropPlace(c.rec.ID)
		return
	}
	c.log.Info("callback request keeps the caller's place", "ticket", c.ticketRef)
}
