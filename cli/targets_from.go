package cli

import "sort"

// originList is where each target of a list was written, by index, kept
// as runs: targets one after another written on consecutive lines (a
// targets file, an inject file's entries), on lines equally far apart
// (an inject file's entries written over several lines each) or on one
// line (a CIDR range's addresses) share one run. A million lines of a targets file are then a
// few runs, not an origin each (8 MB), for the run's whole life: the
// errors of a run name where a target was written (targetList.relabel).
type originList struct {
	runs []originRun
	n    int32
}

// originRun is a run of targets: the one at index start+k was written at
// {o.src, o.at + k*step}.
type originRun struct {
	start int32
	o     origin
	step  int32 // 0: one line (a range), 1: consecutive lines or entries, n: n lines apart
}

// len returns the number of targets.
func (l *originList) len() int { return int(l.n) }

// add appends the origin of the next target.
func (l *originList) add(o origin) {
	if len(l.runs) > 0 {
		r := &l.runs[len(l.runs)-1]
		k := l.n - r.start
		switch d := o.at - r.o.at; {
		case o.src != r.o.src:
		case k == 1 && d >= 0:
			r.step = d
			l.n++
			return
		case k > 1 && int64(d) == int64(k)*int64(r.step):
			l.n++
			return
		}
	}
	l.runs = append(l.runs, originRun{start: l.n, o: o})
	l.n++
}

// at returns the origin of target i (0 ≤ i < len).
func (l *originList) at(i int) origin {
	j := sort.Search(len(l.runs), func(j int) bool { return int(l.runs[j].start) > i }) - 1
	r := l.runs[j]
	return origin{src: r.o.src, at: r.o.at + (int32(i)-r.start)*r.step}
}
