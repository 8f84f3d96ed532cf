// Copyright The ocelot Authors
// SPDX-License-Identifier: Apache-2.0

package spaneventtologconnector // import "github.com/ocelot-otel/ocelot/components/spaneventtologconnector"

import (
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// fill writes one log record for one span event.
func (c *spanEventToLog) fill(lr plog.LogRecord, event ptrace.SpanEvent, span ptrace.Span, observed pcommon.Timestamp) {
	lr.SetTimestamp(event.Timestamp())
	lr.SetObservedTimestamp(observed)
	lr.SetEventName(event.Name())
	if body, ok := c.mapped(event, c.cfg.AttributeMappings.Body); ok {
		body.CopyTo(lr.Body())
	} else {
		lr.Body().SetStr(event.Name())
	}
	number, text := c.severity(event)
	lr.SetSeverityNumber(number)
	lr.SetSeverityText(text)

	attrs := lr.Attributes()
	if c.fromSpan {
		span.Attributes().CopyTo(attrs)
	}
	if c.fromEvent {
		for k, v := range event.Attributes().All() {
			v.CopyTo(attrs.PutEmpty(k))
		}
		lr.SetDroppedAttributesCount(event.DroppedAttributesCount())
	}
	if key := c.cfg.AttributeMappings.EventName; key != "" {
		attrs.PutStr(key, event.Name())
	}
	if _, exists := attrs.Get("level"); c.cfg.AddLevel && !exists {
		attrs.PutStr("level", text)
	}
	if c.cfg.IncludeSpanContext {
		lr.SetTraceID(span.TraceID())
		lr.SetSpanID(span.SpanID())
		lr.SetFlags(plog.LogRecordFlags(span.Flags() & 0xff))
	}
}

// mapped returns the event attribute named by an attribute mapping, if set and present.
func (c *spanEventToLog) mapped(event ptrace.SpanEvent, attr string) (pcommon.Value, bool) {
	if attr == "" {
		return pcommon.Value{}, false
	}
	return event.Attributes().Get(attr)
}

// severity applies, from lowest to highest precedence: the default (info),
// severity_by_event_name, severity_attribute, then attribute_mappings.
func (c *spanEventToLog) severity(event ptrace.SpanEvent) (plog.SeverityNumber, string) {
	number, text := plog.SeverityNumberInfo, "info"
	name := strings.ToLower(event.Name())
	for _, rule := range c.rules {
		if strings.Contains(name, rule.substring) {
			number, text = rule.number, rule.text
			break
		}
	}
	if v, ok := c.mapped(event, c.cfg.SeverityAttribute); ok && v.Type() == pcommon.ValueTypeStr {
		if n, t, ok := parseSeverity(v.Str()); ok {
			number, text = n, t
		}
	}
	m := c.cfg.AttributeMappings
	mappedNumber, hasNumber := plog.SeverityNumberUnspecified, false
	if v, ok := c.mapped(event, m.SeverityNumber); ok {
		mappedNumber, hasNumber = severityNumber(v.AsRaw())
	}
	mappedText, hasText := "", false
	if v, ok := c.mapped(event, m.SeverityText); ok && v.Type() == pcommon.ValueTypeStr && v.Str() != "" {
		mappedText, hasText = v.Str(), true
	}
	switch {
	case hasNumber && hasText:
		return mappedNumber, mappedText
	case hasNumber:
		return mappedNumber, severityText(mappedNumber)
	case hasText:
		if n, _, ok := parseSeverity(mappedText); ok {
			number = n
		}
		return number, mappedText
	}
	return number, text
}
