package org.nnpan.data;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import javax.imageio.stream.MemoryCacheImageInputStream;
import org.nnpan.kernels.parallel.Parallel;

/**
 * Reads Tiny-ImageNet-200 from the folder its archive extracts to:
 * <ul>
 *   <li>{@code wnids.txt}: one class id (WordNet id) per line; a class's index is its line number from 0;</li>
 *   <li>{@code train/<wnid>/images/*.JPEG}: the training images of each class (500 in the real set);</li>
 *   <li>{@code val/images/*.JPEG} with {@code val/val_annotations.txt}: tab-separated lines of file name, wnid and
 *       bounding box (ignored), one per validation image;</li>
 *   <li>{@code test/}: unlabelled, not read.</li>
 * </ul>
 * Images are 64&times;64 JPEGs, decoded with {@link ImageIO} on the engine's thread pool; the few grayscale ones
 * become RGB by repeating their channel. Training samples come class by class, each class's files sorted by name;
 * validation samples in annotation order. The class count is the number of ids in {@code wnids.txt}. Every error is a
 * {@link DatasetFormatException} or {@link DatasetNotFoundException} naming the file.
 */
public final class TinyImageNetReader {

    /** Tiny-ImageNet images are 3&times;64&times;64. */
    public static final int CHANNELS = 3;
    public static final int SIZE = 64;
    /** The file listing the class ids. */
    public static final String WNIDS_FILE = "wnids.txt";
    private static final int IMAGE_VALUES = CHANNELS * SIZE * SIZE;
    /** Images per parallel chunk: decoding one takes well under a millisecond. */
    private static final int DECODE_GRAIN = 64;

    /** An image file and its class index. */
    private record Sample(Path file, int label) {
    }

    private TinyImageNetReader() {
    }

    /** Reads the training split of the data set in {@code root}. */
    public static ImageDataset readTrain(String name, Path root) throws IOException {
        List<String> wnids = readWnids(root);
        List<Sample> samples = new ArrayList<>();
        for (int label = 0; label < wnids.size(); label++) {
            Path images = root.resolve("train").resolve(wnids.get(label)).resolve("images");
            if (!Files.isDirectory(images)) {
                throw new DatasetNotFoundException("Tiny-ImageNet folder " + images + " not found (class " + label
                        + " of " + root.resolve(WNIDS_FILE) + ")");
            }
            for (Path file : jpegsByName(images)) {
                samples.add(new Sample(file, label));
            }
        }
        return decode(name, wnids.size(), samples);
    }

    /** Reads the validation split of the data set in {@code root}, labelled by {@code val/val_annotations.txt}. */
    public static ImageDataset readVal(String name, Path root) throws IOException {
        List<String> wnids = readWnids(root);
        Map<String, Integer> labels = new HashMap<>();
        for (int i = 0; i < wnids.size(); i++) {
            labels.put(wnids.get(i), i);
        }
        Path val = root.resolve("val");
        Path annotations = val.resolve("val_annotations.txt");
        List<String> lines = readLines(annotations);
        List<Sample> samples = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            String[] fields = lines.get(i).split("\t");
            if (fields.length < 2) {
                throw new DatasetFormatException(annotations, "line " + (i + 1)
                        + " is not 'file<TAB>wnid<TAB>bounding box'");
            }
            Integer label = labels.get(fields[1]);
            if (label == null) {
                throw new DatasetFormatException(annotations, "line " + (i + 1) + ": unknown wnid '" + fields[1]
                        + "' (not in " + root.resolve(WNIDS_FILE) + ")");
            }
            samples.add(new Sample(val.resolve("images").resolve(fields[0]), label));
        }
        return decode(name, wnids.size(), samples);
    }

    /** The class ids in {@code root/wnids.txt}, in file order. */
    private static List<String> readWnids(Path root) throws IOException {
        Path file = root.resolve(WNIDS_FILE);
        List<String> wnids = readLines(file).stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
        if (wnids.isEmpty()) {
            throw new DatasetFormatException(file, "lists no class ids");
        }
        if (wnids.stream().distinct().count() != wnids.size()) {
            throw new DatasetFormatException(file, "lists a class id more than once");
        }
        return wnids;
    }

    private static List<String> readLines(Path file) throws IOException {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new DatasetNotFoundException("Tiny-ImageNet file " + file + " not found");
        }
    }

    private static List<Path> jpegsByName(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".jpeg"))
                    .sorted().toList();
        }
    }

    /** Decodes every sample, in parallel, into a data set. */
    private static ImageDataset decode(String name, int numClasses, List<Sample> samples) throws IOException {
        if ((long) samples.size() * IMAGE_VALUES > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(samples.size() + " Tiny-ImageNet images do not fit in one array");
        }
        float[] pixels = new float[samples.size() * IMAGE_VALUES];
        int[] labels = samples.stream().mapToInt(Sample::label).toArray();
        try {
            Parallel.get().parallelFor(samples.size(), DECODE_GRAIN, (start, end) -> {
                for (int i = (int) start; i < end; i++) {
                    try {
                        readImage(samples.get(i).file(), pixels, i * IMAGE_VALUES);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        return new ImageDataset(name, numClasses, CHANNELS, SIZE, SIZE, pixels, labels);
    }

    /** Decodes one JPEG into {@code dst[offset ..]} as C&times;H&times;W values in {@code [0, 1]}. */
    private static void readImage(Path file, float[] dst, int offset) throws IOException {
        BufferedImage image;
        try {
            // An in-memory stream: ImageIO's default for streams caches them in temporary files.
            image = ImageIO.read(new MemoryCacheImageInputStream(new ByteArrayInputStream(Files.readAllBytes(file))));
        } catch (NoSuchFileException e) {
            throw new DatasetNotFoundException("Tiny-ImageNet image " + file + " not found");
        } catch (IOException | RuntimeException e) {
            // The JPEG decoder reports some corrupt streams with unchecked exceptions.
            throw new DatasetFormatException(file, "corrupt JPEG (" + e.getMessage() + ")");
        }
        if (image == null) {
            throw new DatasetFormatException(file, "not a JPEG image (no ImageIO decoder recognises it)");
        }
        if (image.getWidth() != SIZE || image.getHeight() != SIZE) {
            throw new DatasetFormatException(file, "image is " + image.getWidth() + "x" + image.getHeight()
                    + ", expected " + SIZE + "x" + SIZE);
        }
        // Raw raster samples, not getRGB(): that would pass grayscale through a colour-space conversion.
        Raster raster = image.getRaster();
        int bands = raster.getNumBands();
        if (bands != 1 && bands != CHANNELS) {
            throw new DatasetFormatException(file, bands + " colour channels, expected RGB or grayscale");
        }
        for (int c = 0; c < CHANNELS; c++) {
            int band = bands == 1 ? 0 : c;
            for (int y = 0; y < SIZE; y++) {
                for (int x = 0; x < SIZE; x++) {
                    dst[offset + (c * SIZE + y) * SIZE + x] = raster.getSample(x, y, band) / 255f;
                }
            }
        }
    }
}
