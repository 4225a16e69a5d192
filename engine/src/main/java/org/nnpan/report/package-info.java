/**
 * Reports of finished runs: {@link org.nnpan.report.RunReport} writes a run's {@code report.md} (configuration,
 * pruning, training, timings) with its plots from a {@link org.nnpan.report.RunSummary};
 * {@link org.nnpan.report.ResultsTable} aggregates the runs of a sweep over seeds into Markdown, CSV and JSON tables;
 * {@link org.nnpan.report.Plots} draws the PNG charts (XChart, headless): accuracy against density per method,
 * per-layer density of a mask, training curves.
 */
package org.nnpan.report;
