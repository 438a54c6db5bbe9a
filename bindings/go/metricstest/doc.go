// Package metricstest reads lfe.Metrics and lfe.MetricsHandler with the Prometheus text parser
// (github.com/prometheus/common/expfmt). It is a module of its own so that the lfe module
// itself depends on nothing; it holds tests only.
package metricstest
