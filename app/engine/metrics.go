package engine

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the engine's Prometheus series. Labels take bounded values:
// path is one of the API's paths or "other", outcome "ok" or a reason code.
type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	items    *prometheus.CounterVec
	inFlight prometheus.Gauge
	handler  http.Handler
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "enrolldesk_engine_requests_total", Help: "Requests answered, by path and outcome (ok or the refusal's reason).",
		}, []string{"path", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "enrolldesk_engine_request_duration_seconds", Help: "Time to answer a request, by path and outcome.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"path", "outcome"}),
		items: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "enrolldesk_engine_ingest_items_total", Help: "Pushed applications, by outcome (accepted, duplicate, conflict, rejected).",
		}, []string{"outcome"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "enrolldesk_engine_requests_in_flight", Help: "Requests being answered now.",
		}),
	}
	var gatherer prometheus.Gatherer = prometheus.DefaultGatherer
	if reg == nil {
		fresh := prometheus.NewRegistry()
		fresh.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
		reg, gatherer = fresh, fresh
	} else if g, ok := reg.(prometheus.Gatherer); ok {
		gatherer = g
	}
	reg.MustRegister(m.requests, m.latency, m.items, m.inFlight)
	m.handler = promhttp.HandlerFor(gatherer, promhttp.HandlerOpts{})
	return m
}

func (m *metrics) observe(path, outcome string, d time.Duration) {
	m.requests.WithLabelValues(path, outcome).Inc()
	m.latency.WithLabelValues(path, outcome).Observe(d.Seconds())
}
