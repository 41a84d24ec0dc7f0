package outbox

import (
	"slices"
)

// A pass claims the bodies it is about to send a window at a time (see
// claimMany), up to a put's worth (maxTxBodies records, maxTxBytes of
// bodies) in one transaction, and removes those delivered without waiting
// for the commit (see deleteLater) unless their poster sends in order:
// a flush of 10 000 small bodies committed two transactions per body
// (its claim, then its removal), each opening the shared file again, and
// took minutes. The records of a window it did not send (their backend
// found down meanwhile, the pass interrupted) are given back at the end of
// the pass, as they were; a process killed meanwhile holds none of them
// (see Busy).

// claimAhead claims, when r (recs[i]) is not claimed ahead already, r and
// the records after it that the pass would send, up to a window, giving
// back first what the last window left. A window claimed half a lease ago
// is claimed again: a slow backend does not let the leases of the bodies
// not yet sent end while this process still sends them.
func (rs *Resender) claimAhead(recs []Record, i int, sendable func(Record) bool) error {
	now := rs.Store.opts.Now()
	if _, ok := rs.window[recs[i].ID]; ok && now.Before(rs.windowAt.Add(rs.Store.opts.Lease/2)) {
		return nil
	}
	if err := rs.giveBack(); err != nil {
		return err
	}
	var ids []uint64
	size := 0
	for _, r := range recs[i:] {
		if len(ids) == maxTxBodies || (len(ids) > 0 && size+r.Size > maxTxBytes) {
			break
		}
		if r.State == Pending && !r.Unreadable() && sendable(r) {
			ids = append(ids, r.ID)
			size += r.Size
		}
	}
	got, err := rs.Store.claimMany(ids)
	if err != nil {
		return err
	}
	rs.window, rs.windowAt = got, now
	return nil
}

// claimed takes r from the window: what Claim would have returned for it;
// in is false when the window does not hold it.
func (rs *Resender) claimed(r Record) (c claimed, in bool) {
	c, in = rs.window[r.ID]
	delete(rs.window, r.ID)
	return c, in
}

// giveBack gives back the records of the window not sent (see
// unclaimMany).
func (rs *Resender) giveBack() error {
	var left []uint64
	for id, c := range rs.window {
		if c.ok {
			left = append(left, id)
		}
	}
	rs.window = nil
	slices.Sort(left)
	return rs.Store.unclaimMany(left)
}

// sendableNow returns whether pass p sends a record (p.all: whatever its
// next attempt; a backend found up: whatever its schedule, see Up), given
// the backends it found down so far.
func (rs *Resender) sendableNow(p *passState) func(Record) bool {
	return func(r Record) bool {
		if p.down[r.BaseURL] {
			return false
		}
		if !p.all && rs.early(p, r) {
			return rs.Select == nil || rs.Select(r)
		}
		return rs.due(r, p.now, p.all) && (p.all || !p.now.Before(rs.downUntil[r.BaseURL]))
	}
}
