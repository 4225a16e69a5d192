package org.nnpan.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.GraphicsEnvironment;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlotsTest {
    @TempDir
    Path dir;

    /** Decodes {@code png}, checks its size and that it is not blank (axes, lines, text: many colours). */
    static void assertChart(Path png) throws IOException {
        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(Plots.WIDTH, image.getWidth(), png.toString());
        assertEquals(Plots.HEIGHT, image.getHeight(), png.toString());
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 3) {
            for (int x = 0; x < image.getWidth(); x += 3) {
                colours.add(image.getRGB(x, y));
            }
        }
        assertTrue(colours.size() > 20, png + " has " + colours.size() + " colours");
    }

    @Test
    void accuracyVsDensityRendersHeadless() throws IOException {
        List<ResultsTable.Run> runs = List.of(
                new ResultsTable.Run("lenet5", "mnist", "snip", 0.9, 0, 98.9, 0.5, 99, 0.1, 0.1, 1, 10),
                new ResultsTable.Run("lenet5", "mnist", "snip", 0.9, 1, 98.7, 0.5, 99, 0.1, 0.1, 1, 10),
                new ResultsTable.Run("lenet5", "mnist", "snip", 0.99, 0, 97.1, 0.5, 97.5, 0.01, 0.009, 1, 10),
                new ResultsTable.Run("lenet5", "mnist", "synflow", 0.99, 0, 97.4, 0.5, 97.5, 0.01, 0.01, 1, 10));
        Path png = dir.resolve("plots/accuracy.png");
        Plots.accuracyVsDensity(ResultsTable.of(runs).groups(), png);
        assertChart(png);
        assertTrue(GraphicsEnvironment.isHeadless());
    }

    @Test
    void accuracyVsDensityWantsOneModelAndDataset() {
        List<ResultsTable.Run> runs = List.of(
                new ResultsTable.Run("lenet5", "mnist", "snip", 0.9, 0, 98.9, 0.5, 99, 0.1, 0.1, 1, 10),
                new ResultsTable.Run("vgg16", "cifar10", "snip", 0.9, 0, 93, 0.5, 93, 0.1, 0.1, 1, 10));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Plots.accuracyVsDensity(ResultsTable.of(runs).groups(), dir.resolve("a.png")));
        assertTrue(e.getMessage().contains("lenet5 on mnist and vgg16 on cifar10"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Plots.accuracyVsDensity(List.of(), dir.resolve("a.png")));
    }

    @Test
    void layerDensityRendersACollapsedLayerToo() throws IOException {
        Path png = dir.resolve("density.png");
        Plots.layerDensity(Fixtures.pruning(0.02, 0.1, 0), "Per-layer density", png);
        assertChart(png);
    }

    @Test
    void trainingCurvesRenderOneOrManyEpochs() throws IOException {
        for (int epochs : new int[] {1, 12, 200}) {
            Path png = dir.resolve("training-" + epochs + ".png");
            Plots.trainingCurves(Fixtures.training(epochs, 1).history(), "Training", png);
            assertChart(png);
        }
        assertThrows(IllegalArgumentException.class,
                () -> Plots.trainingCurves(List.of(), "Training", dir.resolve("none.png")));
    }
}
