package metricstest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	lfe "github.com/lfe-engine/lfe/bindings/go"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// parse reads an exposition with the Prometheus text parser and returns every sample as
// "family{name}" -> value, and each family's type. A counter's samples carry the OpenMetrics
// _total suffix, which the (Prometheus-format) parser sees as a family of its own.
func parse(t *testing.T, text []byte) (map[string]float64, map[string]dto.MetricType) {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(string(text)))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, text)
	}
	vals := map[string]float64{}
	types := map[string]dto.MetricType{}
	for name, f := range fams {
		types[name] = f.GetType()
		for _, m := range f.GetMetric() {
			var label string
			for _, l := range m.GetLabel() {
				if l.GetName() == "name" {
					label = l.GetValue()
				}
			}
			v := m.GetGauge().GetValue() + m.GetUntyped().GetValue() + m.GetCounter().GetValue()
			vals[fmt.Sprintf("%s{%s}", name, label)] = v
		}
	}
	return vals, types
}

func TestMetricsParsed(t *testing.T) {
	log, _ := lfe.NewLogStore(lfe.LogStoreOptions{Capacity: 64, Manual: true})
	defer log.Close()
	q, _ := lfe.NewQueue(lfe.QueueOptions{Capacity: 8})
	defer q.Close()
	bus, _ := lfe.NewBus(lfe.BusOptions{})
	defer bus.Close()
	sub, err := bus.Subscribe(lfe.Filter{Types: []lfe.EventType{lfe.EventHostMin}}, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	for i := range 5 {
		if _, err := log.Append(1, lfe.Stdout, []byte(fmt.Sprint("line ", i))); err != nil {
			t.Fatal(err)
		}
		if err := bus.Publish(lfe.EventInput{Type: lfe.EventHostMin, Payload: []byte("x")}); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.Push(context.Background(), lfe.EventInput{Type: lfe.EventHostMin}); err != nil {
		t.Fatal(err)
	}
	text, err := lfe.Metrics(
		lfe.MetricsSource{Name: "app", Structure: log},
		lfe.MetricsSource{Name: "jobs", Structure: q},
		lfe.MetricsSource{Name: "bus", Structure: bus},
		lfe.MetricsSource{Name: "sub \"1\"", Structure: sub},
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(string(text), "# EOF\n") {
		t.Fatalf("no # EOF at the end:\n%s", text)
	}
	vals, types := parse(t, text)
	ls, _ := log.Stats()
	ss, _ := sub.Stats()
	want := map[string]float64{
		"lfe_log_appended_total{app}":     5,
		"lfe_log_enrich_lag{app}":         float64(ls.EnrichLag),
		"lfe_log_capacity{app}":           64,
		"lfe_queue_depth{jobs}":           1,
		"lfe_queue_pushed_total{jobs}":    1,
		"lfe_bus_published_total{bus}":    5,
		"lfe_bus_subscribers{bus}":        1,
		"lfe_sub_lagged_total{sub \"1\"}": float64(ss.Lagged),
		"lfe_sub_depth{sub \"1\"}":        2,
	}
	for k, v := range want {
		if got, ok := vals[k]; !ok || got != v {
			t.Errorf("%s = %v (present %v), want %v", k, got, ok, v)
		}
	}
	if ls.EnrichLag != 5 || ss.Lagged != 3 {
		t.Errorf("stats: enrich lag %d, lagged %d; want 5, 3", ls.EnrichLag, ss.Lagged)
	}
	for _, g := range []string{"lfe_queue_depth", "lfe_log_enrich_lag", "lfe_sub_depth"} {
		if types[g] != dto.MetricType_GAUGE {
			t.Errorf("%s: type %v, want gauge", g, types[g])
		}
	}
}

func TestMetricsErrors(t *testing.T) {
	a, _ := lfe.NewLogStore(lfe.LogStoreOptions{Manual: true})
	b, _ := lfe.NewLogStore(lfe.LogStoreOptions{Manual: true})
	defer b.Close()
	if _, err := lfe.Metrics(lfe.MetricsSource{Name: "", Structure: a}); !errors.Is(err, lfe.ErrInvalid) {
		t.Errorf("empty name: %v", err)
	}
	dup := []lfe.MetricsSource{{Name: "x", Structure: a}, {Name: "x", Structure: b}}
	if _, err := lfe.Metrics(dup...); !errors.Is(err, lfe.ErrInvalid) {
		t.Errorf("duplicate name: %v", err)
	}
	// One structure under two names is held once and exported twice.
	two, err := lfe.Metrics(lfe.MetricsSource{Name: "x", Structure: a}, lfe.MetricsSource{Name: "y", Structure: a})
	if err != nil {
		t.Fatal(err)
	}
	if vals, _ := parse(t, two); len(vals) != 2*9 {
		t.Errorf("two names: %d samples, want 18", len(vals))
	}
	a.Close()
	if _, err := lfe.Metrics(lfe.MetricsSource{Name: "x", Structure: a}); !errors.Is(err, lfe.ErrClosed) {
		t.Errorf("closed: %v", err)
	}
	if _, err := lfe.Metrics(lfe.MetricsSource{Name: "x"}); !errors.Is(err, lfe.ErrNull) {
		t.Errorf("nil structure: %v", err)
	}
	if text, err := lfe.Metrics(); err != nil || string(text) != "# EOF\n" {
		t.Errorf("nothing: %q %v", text, err)
	}
}

// Many structures overflow the first buffer: the size query path.
func TestMetricsLarge(t *testing.T) {
	var srcs []lfe.MetricsSource
	for i := range 100 {
		q, _ := lfe.NewQueue(lfe.QueueOptions{Capacity: 4})
		defer q.Close()
		srcs = append(srcs, lfe.MetricsSource{Name: fmt.Sprintf("%040d", i), Structure: q})
	}
	text, err := lfe.Metrics(srcs...)
	if err != nil {
		t.Fatal(err)
	}
	if vals, _ := parse(t, text); len(vals) != 100*5 {
		t.Errorf("%d samples, want 500", len(vals))
	}
}

func TestMetricsHandler(t *testing.T) {
	q, _ := lfe.NewQueue(lfe.QueueOptions{Capacity: 4})
	srv := httptest.NewServer(lfe.MetricsHandler(lfe.MetricsSource{Name: "jobs", Structure: q}))
	defer srv.Close()
	for want := range 3 {
		resp, err := srv.Client().Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != lfe.OpenMetricsContentType {
			t.Fatalf("status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if vals, _ := parse(t, body); vals["lfe_queue_depth{jobs}"] != float64(want) {
			t.Errorf("scrape %d: depth %v", want, vals["lfe_queue_depth{jobs}"])
		}
		_ = q.Push(context.Background(), lfe.EventInput{Type: lfe.EventHostMin})
	}
	q.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 500 {
		t.Errorf("closed structure: status %d, want 500", resp.StatusCode)
	}
}
