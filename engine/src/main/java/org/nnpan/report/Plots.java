package org.nnpan.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.CategoryStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.Marker;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.nnpan.io.AtomicFiles;
import org.nnpan.pruning.PruningReport;
import org.nnpan.train.EpochMetrics;

/**
 * The report's PNG charts (XChart, {@value #WIDTH}×{@value #HEIGHT} pixels): test accuracy against density per
 * method, per-layer density of a mask, and the training curves of a run. Rendering is headless: no display is needed.
 */
public final class Plots {
    /** Image width in pixels. */
    public static final int WIDTH = 1000;
    /** Image height in pixels. */
    public static final int HEIGHT = 650;

    static {
        // Before any AWT class loads: servers and CI have no display, and a chart never needs one.
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private static final Font TITLE_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 18);
    private static final Font AXIS_TITLE_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 16);
    private static final Font TICK_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 14);
    private static final Font LEGEND_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 15);
    private static final Color LOSS_COLOR = new Color(0x1f77b4);
    private static final Color ACCURACY_COLOR = new Color(0xd62728);
    private static final BasicStroke DASHED = new BasicStroke(2.5f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND,
            10f, new float[] {8f, 6f}, 0f);
    private static final BasicStroke SOLID = new BasicStroke(2.5f);
    private static final Color GRID_COLOR = new Color(0xdddddd);
    /**
     * Strong, distinct colours (Tableau 10, then black and indigo): XChart's default palette has pale yellows and
     * pinks, and a full comparison has eleven methods plus controls, so ten colours would repeat one.
     */
    private static final Color[] METHOD_COLORS = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
        new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f),
        new Color(0xbcbd22), new Color(0x17becf), new Color(0x000000), new Color(0x393b79)};
    private static final Marker[] METHOD_MARKERS = {SeriesMarkers.CIRCLE,
        SeriesMarkers.DIAMOND, SeriesMarkers.SQUARE, SeriesMarkers.TRIANGLE_UP, SeriesMarkers.TRIANGLE_DOWN};
    /** Where a log axis draws a layer with nothing kept. */
    private static final double FLOOR_PERCENT = 0.01;

    private Plots() {
    }

    /**
     * Mean test accuracy (with ±1 sample standard deviation error bars) against density, one line per method, for
     * groups of one model on one data set. The x axis is density on a log scale, increasing to the right (XChart
     * cannot reverse an axis, and relabelling a log axis disables its log ticks), and its title says so. Groups
     * whose runs all failed have no point and are left out.
     *
     * @throws IllegalArgumentException if no group has a finished run, or they span more than one model or data set
     */
    public static void accuracyVsDensity(List<ResultsTable.Group> all, Path png) throws IOException {
        List<ResultsTable.Group> groups = all.stream().filter(g -> g.n() > 0).toList();
        if (groups.isEmpty()) {
            throw new IllegalArgumentException("accuracy-vs-density plot: no results to plot");
        }
        ResultsTable.Group first = groups.getFirst();
        for (ResultsTable.Group g : groups) {
            if (!g.model().equals(first.model()) || !g.dataset().equals(first.dataset())) {
                throw new IllegalArgumentException("accuracy-vs-density plot: one model and data set per plot, got "
                        + first.model() + " on " + first.dataset() + " and " + g.model() + " on " + g.dataset());
            }
        }
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT)
                .title("Test accuracy vs density: " + first.model() + " on " + first.dataset())
                .xAxisTitle("density: fraction of weights kept (log scale; sparser networks to the left)")
                .yAxisTitle("test accuracy (%), mean ± std over seeds").build();
        XYStyler s = chart.getStyler();
        style(s);
        s.setLegendPosition(Styler.LegendPosition.OutsideE);
        s.setXAxisLogarithmic(true);
        // Decade ticks only: labelling 2..9 of every decade makes the sparse end (0.005, 0.006, ...) unreadable.
        s.setXAxisLogarithmicDecadeOnly(true);
        s.setSeriesColors(METHOD_COLORS);
        s.setYAxisDecimalPattern("0.#");
        s.setErrorBarsColorSeriesColor(true);
        s.setMarkerSize(10);

        Map<String, List<ResultsTable.Group>> byMethod = new TreeMap<>();
        for (ResultsTable.Group g : groups) {
            byMethod.computeIfAbsent(g.method(), m -> new ArrayList<>()).add(g);
        }
        byMethod.forEach((method, points) -> {
            List<ResultsTable.Group> sorted = points.stream()
                    .sorted(Comparator.comparingDouble(ResultsTable.Group::sparsity)).toList();
            List<Stats> acc = sorted.stream().map(g -> g.stats(ResultsTable.Metric.FINAL_TEST_ACC)).toList();
            XYSeries series = chart.addSeries(method, sorted.stream().mapToDouble(g -> 1 - g.sparsity()).toArray(),
                    acc.stream().mapToDouble(Stats::mean).toArray(),
                    acc.stream().mapToDouble(Stats::stdOrZero).toArray());
            // Shapes as well as colours, so that lines crossing at one point stay apart (and in greyscale).
            series.setMarker(METHOD_MARKERS[(chart.getSeriesMap().size() - 1) % METHOD_MARKERS.length]);
            // Past the palette, colours repeat: a dashed line keeps those series apart.
            series.setLineStyle(chart.getSeriesMap().size() <= METHOD_COLORS.length ? SOLID : DASHED);
        });
        save(chart, png);
    }

    /**
     * Nominal and effective density of every prunable layer of a pruning report, as bars on a logarithmic
     * percent axis (a layer at 0.5 % stays visible next to one at 100 %), with each bar's value when there are
     * few layers; with many, the names are turned vertical so that they do not overlap.
     */
    public static void layerDensity(PruningReport report, String title, Path png) throws IOException {
        // Every prunable parameter is a weight: the suffix only takes room.
        List<String> names = report.layers().stream().map(l -> l.name().replaceFirst("\\.weight$", "")).toList();
        boolean many = names.size() > 8;
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle("layer").yAxisTitle("density, % of weights kept (log scale)").build();
        CategoryStyler s = chart.getStyler();
        style(s);
        s.setLegendPosition(Styler.LegendPosition.OutsideS);
        s.setLegendLayout(Styler.LegendLayout.Horizontal);
        s.setXAxisLabelRotation(many ? 90 : 0);
        s.setYAxisLogarithmic(true);
        s.setYAxisMin(FLOOR_PERCENT);
        s.setYAxisMax(100.0);
        s.setYAxisDecimalPattern("0.###");
        s.setAvailableSpaceFill(0.8);
        // Each bar's value in percent at its top, where there is room for it.
        s.setLabelsVisible(!many);
        s.setLabelsFont(TICK_FONT);
        s.setLabelsFontColorAutomaticEnabled(false);
        s.setLabelsPosition(1.0);
        // A log axis cannot show 0: a collapsed layer is drawn at the axis floor and named collapsed in the report.
        chart.addSeries("nominal density", names, percents(report, PruningReport.Layer::density));
        chart.addSeries("effective density", names, percents(report, PruningReport.Layer::effectiveDensity));
        save(chart, png);
    }

    private static List<Double> percents(PruningReport report, ToDoubleFunction<PruningReport.Layer> fraction) {
        // Rounded to 3 significant digits: the bar labels print the values as given.
        return report.layers().stream().map(l -> Double.parseDouble(
                Numbers.plain(Math.max(100 * fraction.applyAsDouble(l), FLOOR_PERCENT), 3))).toList();
    }

    /**
     * Training curves of a run: train and test loss on the left axis (blue), train and test accuracy in percent on
     * the right axis (red); solid lines are the test set, dashed lines the training batches.
     *
     * @throws IllegalArgumentException if {@code history} is empty
     */
    public static void trainingCurves(List<EpochMetrics> history, String title, Path png) throws IOException {
        if (history.isEmpty()) {
            throw new IllegalArgumentException("training-curves plot: the run has no completed epoch");
        }
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle("epoch").build();
        XYStyler s = chart.getStyler();
        style(s);
        s.setLegendPosition(Styler.LegendPosition.OutsideS);
        s.setLegendLayout(Styler.LegendLayout.Horizontal);
        s.setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
        s.setXAxisDecimalPattern("0");
        s.setMarkerSize(history.size() > 30 ? 0 : 7);
        chart.setYAxisGroupTitle(0, "cross-entropy loss");
        chart.setYAxisGroupTitle(1, "accuracy (%)");
        double[] epochs = history.stream().mapToDouble(EpochMetrics::epoch).toArray();
        curve(chart, "train loss", epochs, history.stream().mapToDouble(EpochMetrics::trainLoss).toArray(), 0, false);
        curve(chart, "test loss", epochs, history.stream().mapToDouble(EpochMetrics::testLoss).toArray(), 0, true);
        curve(chart, "train accuracy", epochs, history.stream().mapToDouble(EpochMetrics::trainAcc).toArray(), 1,
                false);
        curve(chart, "test accuracy", epochs, history.stream().mapToDouble(EpochMetrics::testAcc).toArray(), 1, true);
        save(chart, png);
    }

    private static void curve(XYChart chart, String name, double[] x, double[] y, int axis, boolean test) {
        XYSeries s = chart.addSeries(name, x, y);
        s.setYAxisGroup(axis);
        s.setLineColor(axis == 0 ? LOSS_COLOR : ACCURACY_COLOR);
        s.setMarkerColor(axis == 0 ? LOSS_COLOR : ACCURACY_COLOR);
        s.setMarker(test ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
        s.setLineStyle(test ? SOLID : DASHED);
    }

    /** Large fonts, white background, no chart border: readable when the PNG is shown at half size. */
    private static void style(AxesChartStyler s) {
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setPlotBorderVisible(true);
        s.setChartTitleFont(TITLE_FONT);
        s.setChartTitleBoxVisible(false);
        s.setLegendFont(LEGEND_FONT);
        s.setAntiAlias(true);
        s.setAxisTitleFont(AXIS_TITLE_FONT);
        s.setAxisTickLabelsFont(TICK_FONT);
        s.setAxisTitlePadding(12);
        s.setPlotGridLinesColor(GRID_COLOR);
    }

    /** Writes {@code chart} as a PNG, creating the parent directory. */
    private static void save(Chart<?, ?> chart, Path png) throws IOException {
        Files.createDirectories(png.toAbsolutePath().getParent());
        AtomicFiles.write(png, out -> BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG));
    }
}
