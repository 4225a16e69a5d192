package org.nnpan.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BatchLoaderTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    /** 103 single-channel 6x6 images in 5 classes. */
    private static final ImageDataset DATA = SyntheticImages.generate(
            new SyntheticImages.Spec(103, 0, 5, 1, 6, 6, 0.3f, 3), true);

    private static final LoaderOptions OPTIONS = LoaderOptions.of(10, Normalization.of(0.5f, 0.3f));

    /** All batches of {@code epochs} epochs. */
    private static List<Batch> run(BatchLoader loader, int epochs) {
        List<Batch> batches = new ArrayList<>();
        for (int e = 0; e < epochs; e++) {
            for (Batch batch : loader.nextEpoch()) {
                batches.add(batch);
            }
        }
        return batches;
    }

    private static List<Batch> run(LoaderOptions options, int epochs) {
        try (BatchLoader loader = new BatchLoader(DATA, options)) {
            return run(loader, epochs);
        }
    }

    private static void assertSameBatches(List<Batch> expected, List<Batch> actual) {
        assertEquals(expected.size(), actual.size());
        for (int b = 0; b < expected.size(); b++) {
            assertArrayEquals(expected.get(b).indices(), actual.get(b).indices(), "batch " + b);
            assertArrayEquals(expected.get(b).images(), actual.get(b).images(), "batch " + b);
            assertArrayEquals(expected.get(b).labels(), actual.get(b).labels(), "batch " + b);
        }
    }

    @Test
    void sameSeedGivesSameBatches() {
        LoaderOptions options = OPTIONS.withAugmentation(Augmentation.CROP_AND_FLIP).withSeed(42);
        assertTimeoutPreemptively(TIMEOUT, () -> assertSameBatches(run(options, 2), run(options, 2)));
    }

    @Test
    void visitsEveryIndexOncePerEpochInAFreshOrder() {
        List<Batch> batches = assertTimeoutPreemptively(TIMEOUT, () -> run(OPTIONS, 2));

        assertEquals(22, batches.size());
        assertEquals(3, batches.get(10).size(), "last batch keeps the remainder");
        int[] first = epochOrder(batches.subList(0, 11));
        int[] second = epochOrder(batches.subList(11, 22));
        assertFalse(Arrays.equals(first, second), "each epoch is shuffled anew");
        for (int[] order : new int[][] {first, second}) {
            int[] sorted = order.clone();
            Arrays.sort(sorted);
            assertArrayEquals(IntStream.range(0, 103).toArray(), sorted);
        }
    }

    private static int[] epochOrder(List<Batch> epoch) {
        return epoch.stream().flatMapToInt(b -> Arrays.stream(b.indices())).toArray();
    }

    @Test
    void dropLastDropsThePartialBatch() {
        List<Batch> batches = assertTimeoutPreemptively(TIMEOUT, () -> run(OPTIONS.withDropLast(true), 1));

        assertEquals(10, batches.size());
        Set<Integer> seen = new HashSet<>();
        for (Batch batch : batches) {
            assertEquals(10, batch.size());
            Arrays.stream(batch.indices()).forEach(seen::add);
        }
        assertEquals(100, seen.size());
    }

    @Test
    void batchesHoldNormalisedPaddedImagesAndLabels() {
        LoaderOptions options = OPTIONS.withShuffle(false).withOutputSize(8, 9);
        List<Batch> batches = assertTimeoutPreemptively(TIMEOUT, () -> run(options, 1));

        Batch last = batches.get(10);
        assertArrayEquals(new int[] {100, 101, 102}, last.indices());
        assertEquals(List.of(10, 1, 8, 9), List.of(last.index(), last.channels(), last.height(), last.width()));
        float[] expected = new float[3 * 8 * 9];
        DATA.copyBatch(last.indices(), options.normalization(), 8, 9, expected);
        assertArrayEquals(expected, last.images());
        int[] labels = new int[3];
        DATA.copyLabels(last.indices(), labels);
        assertArrayEquals(labels, last.labels());
    }

    @Test
    void augmentedImagesAreShiftedAndFlippedCopies() {
        int padding = 2;
        LoaderOptions options = OPTIONS.withAugmentation(new Augmentation(padding, true)).withSeed(5);
        List<Batch> batches = assertTimeoutPreemptively(TIMEOUT, () -> run(options, 1));

        Set<SampleTransform> used = new HashSet<>();
        float[] candidate = new float[36];
        for (Batch batch : batches) {
            for (int i = 0; i < batch.size(); i++) {
                float[] image = Arrays.copyOfRange(batch.images(), i * 36, (i + 1) * 36);
                SampleTransform match = null;
                for (int dy = -padding; dy <= padding && match == null; dy++) {
                    for (int dx = -padding; dx <= padding && match == null; dx++) {
                        for (boolean flip : new boolean[] {false, true}) {
                            SampleTransform t = new SampleTransform(dy, dx, flip);
                            DATA.copyImage(batch.indices()[i], options.normalization(), 6, 6, t, candidate, 0);
                            if (Arrays.equals(image, candidate)) {
                                match = t;
                                break;
                            }
                        }
                    }
                }
                assertTrue(match != null, "sample " + batch.indices()[i] + " is a shifted or flipped copy");
                used.add(match);
            }
        }
        assertTrue(used.size() > 20, "transforms vary: " + used.size());
        assertTrue(used.stream().anyMatch(SampleTransform::flip) && used.stream().anyMatch(t -> !t.flip()));
    }

    @Test
    void restoredStateContinuesWithTheSameEpochs() {
        LoaderOptions options = OPTIONS.withAugmentation(Augmentation.CROP_AND_FLIP).withSeed(9);
        assertTimeoutPreemptively(TIMEOUT, () -> {
            List<Batch> continued;
            long saved;
            try (BatchLoader loader = new BatchLoader(DATA, options)) {
                run(loader, 1);
                saved = loader.state();
                continued = run(loader, 2);
            }
            try (BatchLoader resumed = new BatchLoader(DATA, options.withSeed(12345))) {
                resumed.restoreState(saved);
                assertSameBatches(continued, run(resumed, 2));
            }
        });
    }

    @Test
    void prefetchesAtMostTwoBatchesAhead() throws Exception {
        AtomicInteger copies = new AtomicInteger();
        ImageSource counting = new DelegatingSource(DATA) {
            @Override
            void beforeCopy(int index) {
                copies.incrementAndGet();
            }
        };
        try (BatchLoader loader = new BatchLoader(counting, OPTIONS)) {
            loader.nextEpoch();
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            // Two batches wait in the queue and a third is made before the thread blocks on the full queue.
            while (copies.get() < 30 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            Thread.sleep(200);
            assertEquals(30, copies.get(), "no more than three batches made");
        }
    }

    @Test
    void closeStopsThePrefetchThread() {
        assertTimeoutPreemptively(TIMEOUT, () -> {
            BatchLoader loader = new BatchLoader(DATA, OPTIONS);
            Thread thread = loader.prefetchThread();
            assertTrue(thread.isAlive() && thread.isDaemon());
            BatchLoader.Epoch epoch = loader.nextEpoch();
            epoch.next(); // leaves the producer blocked on a full queue

            loader.close();

            assertFalse(thread.isAlive());
            assertThrows(IllegalStateException.class, epoch::next);
            assertThrows(IllegalStateException.class, loader::nextEpoch);
            loader.close();
        });
    }

    @Test
    void startingAnEpochAbandonsTheUnfinishedOne() {
        assertTimeoutPreemptively(TIMEOUT, () -> {
            try (BatchLoader loader = new BatchLoader(DATA, OPTIONS)) {
                BatchLoader.Epoch abandoned = loader.nextEpoch();
                abandoned.next();
                assertEquals(11, run(loader, 1).size());
                assertThrows(IllegalStateException.class, abandoned::next);
            }
        });
    }

    @Test
    void failuresReachTheConsumer() {
        IllegalStateException failure = new IllegalStateException("disk on fire");
        ImageSource failing = new DelegatingSource(DATA) {
            @Override
            void beforeCopy(int index) {
                if (index == 25) {
                    throw failure;
                }
            }
        };
        assertTimeoutPreemptively(TIMEOUT, () -> {
            try (BatchLoader loader = new BatchLoader(failing, OPTIONS.withShuffle(false))) {
                BatchLoader.Epoch epoch = loader.nextEpoch();
                assertEquals(0, epoch.next().index());
                assertEquals(1, epoch.next().index());
                var e = assertThrows(DataLoaderException.class, epoch::next);
                assertSame(failure, e.getCause());
                assertEquals("making batch 2 failed: java.lang.IllegalStateException: disk on fire", e.getMessage());
                assertFalse(epoch.hasNext());
            }
        });
    }

    @Test
    void anEpochIsIterableOnce() {
        try (BatchLoader loader = new BatchLoader(DATA, OPTIONS)) {
            BatchLoader.Epoch epoch = loader.nextEpoch();
            epoch.iterator();
            assertThrows(IllegalStateException.class, epoch::iterator);
        }
    }

    @Test
    void rejectsOptionsThatDoNotFitTheSource() {
        assertThrows(IllegalArgumentException.class,
                () -> new BatchLoader(DATA, LoaderOptions.of(10, Normalization.identity(3))));
        assertThrows(IllegalArgumentException.class, () -> new BatchLoader(DATA, OPTIONS.withOutputSize(5, 6)));
        assertThrows(IllegalArgumentException.class,
                () -> new BatchLoader(DATA, LoaderOptions.of(200, OPTIONS.normalization()).withDropLast(true)));
    }

    @Test
    void differentSeedsShuffleDifferently() {
        List<Batch> a = assertTimeoutPreemptively(TIMEOUT, () -> run(OPTIONS.withSeed(1), 1));
        List<Batch> b = assertTimeoutPreemptively(TIMEOUT, () -> run(OPTIONS.withSeed(2), 1));
        assertNotEquals(Arrays.toString(epochOrder(a)), Arrays.toString(epochOrder(b)));
    }

    /** An {@link ImageSource} that forwards to a data set after a hook sees each copied index. */
    private abstract static class DelegatingSource implements ImageSource {
        private final ImageDataset data;

        DelegatingSource(ImageDataset data) {
            this.data = data;
        }

        abstract void beforeCopy(int index);

        @Override
        public int sampleCount() {
            return data.sampleCount();
        }

        @Override
        public int channels() {
            return data.channels();
        }

        @Override
        public int height() {
            return data.height();
        }

        @Override
        public int width() {
            return data.width();
        }

        @Override
        public int label(int index) {
            return data.label(index);
        }

        @Override
        public void copyImage(int index, Normalization normalization, int outHeight, int outWidth,
                              SampleTransform transform, float[] dst, int offset) {
            beforeCopy(index);
            data.copyImage(index, normalization, outHeight, outWidth, transform, dst, offset);
        }
    }
}
