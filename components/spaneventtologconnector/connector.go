// Copyright The ocelot Authors
// SPDX-License-Identifier: Apache-2.0

package spaneventtologconnector // import "github.com/ocelot-otel/ocelot/components/spaneventtologconnector"

import (
	"context"
	"slices"
	"sort"
	"strings"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// severityRule is one severity_by_event_name entry, lower-cased for matching.
type severityRule struct {
	substring string
	number    plog.SeverityNumber
	text      string
}

// spanEventToLog turns span events into log records, one per event, keeping
// the resource and scope grouping of the spans they came from.
type spanEventToLog struct {
	component.StartFunc
	component.ShutdownFunc

	cfg     *Config
	next    consumer.Logs
	include map[string]struct{} // nil: every event
	rules   []severityRule      // longest substring first
	now     func() time.Time    // observed timestamp; fixed in tests

	fromEvent, fromSpan, fromResource bool
}

func newSpanEventToLog(cfg *Config, next consumer.Logs) *spanEventToLog {
	c := &spanEventToLog{
		cfg: cfg, next: next, now: time.Now,
		fromEvent:    slices.Contains(cfg.LogAttributesFrom, sourceEvent),
		fromSpan:     slices.Contains(cfg.LogAttributesFrom, sourceSpan),
		fromResource: slices.Contains(cfg.LogAttributesFrom, sourceResource),
	}
	if len(cfg.IncludeEventNames) > 0 {
		c.include = make(map[string]struct{}, len(cfg.IncludeEventNames))
		for _, name := range cfg.IncludeEventNames {
			c.include[name] = struct{}{}
		}
	}
	for key, word := range cfg.SeverityByEventName {
		if n, text, ok := parseSeverity(word); ok {
			c.rules = append(c.rules, severityRule{strings.ToLower(key), n, text})
		}
	}
	// Longest substring wins; equal lengths are ordered by text so the result
	// never depends on map iteration order.
	sort.Slice(c.rules, func(i, j int) bool {
		a, b := c.rules[i].substring, c.rules[j].substring
		if len(a) != len(b) {
			return len(a) > len(b)
		}
		return a < b
	})
	return c
}

// Capabilities: the input traces are only read.
func (c *spanEventToLog) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: false}
}

// ConsumeTraces forwards the events' log records, if there are any.
func (c *spanEventToLog) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	logs := c.convert(td)
	if logs.LogRecordCount() == 0 {
		return nil
	}
	return c.next.ConsumeLogs(ctx, logs)
}

// convert builds one ResourceLogs per ResourceSpans and one ScopeLogs per
// ScopeSpans that has a selected event; empty groups are never emitted.
func (c *spanEventToLog) convert(td ptrace.Traces) plog.Logs {
	logs := plog.NewLogs()
	observed := pcommon.NewTimestampFromTime(c.now())
	for _, rs := range td.ResourceSpans().All() {
		var rl plog.ResourceLogs
		haveResource := false
		for _, ss := range rs.ScopeSpans().All() {
			var sl plog.ScopeLogs
			haveScope := false
			for _, span := range ss.Spans().All() {
				for _, event := range span.Events().All() {
					if !c.selected(event.Name()) {
						continue
					}
					if !haveResource {
						rl, haveResource = c.newResourceLogs(logs, rs), true
					}
					if !haveScope {
						sl, haveScope = newScopeLogs(rl, ss), true
					}
					c.fill(sl.LogRecords().AppendEmpty(), event, span, observed)
				}
			}
		}
	}
	return logs
}

func (c *spanEventToLog) selected(name string) bool {
	if c.include == nil {
		return true
	}
	_, ok := c.include[name]
	return ok
}

func (c *spanEventToLog) newResourceLogs(logs plog.Logs, rs ptrace.ResourceSpans) plog.ResourceLogs {
	rl := logs.ResourceLogs().AppendEmpty()
	rl.SetSchemaUrl(rs.SchemaUrl())
	if c.fromResource {
		rs.Resource().CopyTo(rl.Resource())
	}
	return rl
}

func newScopeLogs(rl plog.ResourceLogs, ss ptrace.ScopeSpans) plog.ScopeLogs {
	sl := rl.ScopeLogs().AppendEmpty()
	sl.SetSchemaUrl(ss.SchemaUrl())
	ss.Scope().CopyTo(sl.Scope())
	return sl
}
