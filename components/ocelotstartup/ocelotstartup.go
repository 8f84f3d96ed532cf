// Package ocelotstartup is ocelot's start-up tuning for Lambda's small CPU shares
// (docs/cold-start.md). It is compiled into a layer only when its distribution asks for
// a cold-start cut; ocelot sets the constant below from those cuts.
//
// With gc-off, from package initialisation until the collector is running, garbage
// collection is held off (with a 64 MiB heap limit as a safety net), then given back
// exactly as it was found. A user's own GOGC or GOMEMLIMIT wins: collection is then left
// alone.
package ocelotstartup

import (
	"os"
	"runtime/debug"
	"sync"
	"time"
)

const holdGC = false // gc-off

// startHeapLimit bounds the heap while collection is off; start-up needs far less.
const startHeapLimit = 64 << 20

var (
	undo []func()
	once sync.Once
)

func init() {
	undo = hold(holdGC, os.Getenv)
}

// hold holds collection off when asked and not overridden by the environment, and
// returns how to undo that.
func hold(gc bool, getenv func(string) string) []func() {
	var steps []func()
	if gc && getenv("GOGC") == "" && getenv("GOMEMLIMIT") == "" {
		percent := debug.SetGCPercent(-1)
		limit := debug.SetMemoryLimit(startHeapLimit)
		steps = append(steps, func() {
			debug.SetMemoryLimit(limit)
			debug.SetGCPercent(percent)
		})
	}
	return steps
}

// Done gives back what init changed. The collector calls it when its start returns,
// running or failed; later calls do nothing.
func Done() {
	once.Do(func() {
		for _, restore := range undo {
			restore()
		}
	})
}

// Pause is one turn of the wait for the collector to be running: a millisecond's sleep
// instead of a busy loop that would spend the function's CPU share on waiting.
func Pause() {
	time.Sleep(time.Millisecond)
}
