// Copyright The ocelot Authors
// SPDX-License-Identifier: Apache-2.0

package spaneventtologconnector // import "github.com/ocelot-otel/ocelot/components/spaneventtologconnector"

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Attribute sources for log_attributes_from.
const (
	sourceEvent    = "event.attributes"
	sourceSpan     = "span.attributes"
	sourceResource = "resource.attributes"
)

var validSources = []string{sourceEvent, sourceSpan, sourceResource}

// Config is the connector's configuration. The option names are those of
// github.com/dev7a/otelcol-con-spaneventtolog v0.6.x so existing configs load.
type Config struct {
	// IncludeEventNames keeps only events with these exact names; empty keeps all.
	IncludeEventNames []string `mapstructure:"include_event_names"`
	// IncludeSpanContext copies the span's trace id, span id and trace flags.
	IncludeSpanContext bool `mapstructure:"include_span_context"`
	// LogAttributesFrom lists the attribute sources copied into each record:
	// event.attributes, span.attributes (both into the record's attributes,
	// event attributes winning on a clash) and resource.attributes (into the
	// record's resource).
	LogAttributesFrom []string `mapstructure:"log_attributes_from"`
	// SeverityAttribute names an event attribute holding a severity word; a
	// valid one takes precedence over SeverityByEventName.
	SeverityAttribute string `mapstructure:"severity_attribute"`
	// SeverityByEventName maps event-name substrings (case-insensitive) to a
	// severity word; the longest matching substring wins.
	SeverityByEventName map[string]string `mapstructure:"severity_by_event_name"`
	// AddLevel adds a "level" attribute holding the severity text, unless the
	// record already has one.
	AddLevel bool `mapstructure:"add_level"`
	// AttributeMappings take event attributes as log record fields; they take
	// precedence over everything else when the attribute is present.
	AttributeMappings AttributeMappings `mapstructure:"attribute_mappings"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// AttributeMappings names event attributes that become log record fields.
type AttributeMappings struct {
	// Body is the event attribute used as the body (default: the event name).
	Body string `mapstructure:"body"`
	// SeverityNumber is the event attribute holding a severity number 1..24.
	SeverityNumber string `mapstructure:"severity_number"`
	// SeverityText is the event attribute holding the severity text; without a
	// mapped number, the number is parsed from this text when it is a known word.
	SeverityText string `mapstructure:"severity_text"`
	// EventName is the log attribute that receives the original event name.
	EventName string `mapstructure:"event_name"`
}

// Validate reports every problem at once, each naming the option and what is allowed.
func (c *Config) Validate() error {
	var errs []error
	for _, src := range c.LogAttributesFrom {
		if !slices.Contains(validSources, src) {
			errs = append(errs, fmt.Errorf("log_attributes_from: unknown source %q (allowed: %s)",
				src, strings.Join(validSources, ", ")))
		}
	}
	for _, name := range c.IncludeEventNames {
		if name == "" {
			errs = append(errs, errors.New("include_event_names: an empty name can never match"))
		}
	}
	keys := make([]string, 0, len(c.SeverityByEventName))
	for k := range c.SeverityByEventName {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if strings.TrimSpace(k) == "" {
			errs = append(errs, errors.New("severity_by_event_name: an empty key would match every event"))
		}
		if _, _, ok := parseSeverity(c.SeverityByEventName[k]); !ok {
			errs = append(errs, fmt.Errorf("severity_by_event_name[%q]: unknown severity %q (allowed: %s)",
				k, c.SeverityByEventName[k], allowedSeverities()))
		}
	}
	return errors.Join(errs...)
}
