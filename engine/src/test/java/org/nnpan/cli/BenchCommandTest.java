package org.nnpan.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nnpan.io.Json;

class BenchCommandTest {

    @Test
    void printsOneRowPerWorkloadAndWritesEveryCallToJson(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("bench.json");
        String[] r = CliRun.main("bench", "--workloads", "gemm,snip", "--batch-size", "10", "--warmup", "0",
                "--calls", "3", "--json", json.toString());
        assertEquals("0", r[0], r[1]);
        assertTrue(r[1].contains("gemm 1024"), r[1]);
        assertTrue(r[1].contains("snip lenet5"), r[1]);
        Map<String, Object> doc = Json.readMap(json);
        List<?> rows = (List<?>) doc.get("workloads");
        assertEquals(2, rows.size());
        Map<?, ?> gemm = (Map<?, ?>) rows.get(0);
        assertEquals(3, ((List<?>) gemm.get("millis")).size());
        long started = ((Number) gemm.get("timed_start_epoch_ms")).longValue();
        assertTrue(Math.abs(System.currentTimeMillis() - started) < 600_000, "timed_start_epoch_ms " + started);
        long snipStarted = ((Number) ((Map<?, ?>) rows.get(1)).get("timed_start_epoch_ms")).longValue();
        assertTrue(snipStarted >= started, "workloads run in order: " + started + ", then " + snipStarted);
        assertTrue(((Number) gemm.get("gflops")).doubleValue() > 0);
    }

    @Test
    void unknownWorkloadOrModelIsAUsageErrorListingTheValidNames() {
        String[] r = CliRun.main("bench", "--workloads", "fft");
        assertEquals("2", r[0]);
        assertTrue(r[1].contains("unknown workload 'fft'") && r[1].contains("train-step"), r[1]);
        r = CliRun.main("bench", "--model", "alexnet");
        assertEquals("2", r[0]);
        assertTrue(r[1].contains("unknown model 'alexnet'") && r[1].contains("resnet20"), r[1]);
    }

    @Test
    void pacedCallsWaitForALineEachAndReportTheirTimes() {
        InputStream stdin = System.in;
        try {
            System.setIn(new ByteArrayInputStream("go\ngo\ngo\n".getBytes(StandardCharsets.UTF_8)));
            String[] r = CliRun.main("bench", "--workloads", "top-k", "--warmup", "1", "--calls", "2", "--paced");
            assertEquals("0", r[0], r[1]);
            List<String> paced = r[1].lines().filter(l -> l.startsWith("PACED ")).toList();
            assertEquals("PACED ready", paced.get(0));
            assertEquals(4, paced.size(), r[1]);
            for (String line : paced.subList(1, 4)) {
                assertTrue(Double.parseDouble(line.substring(6)) > 0, line);
            }
            // One line short: the third call never starts.
            System.setIn(new ByteArrayInputStream("go\ngo\n".getBytes(StandardCharsets.UTF_8)));
            r = CliRun.main("bench", "--workloads", "top-k", "--warmup", "1", "--calls", "2", "--paced");
            assertEquals("1", r[0], r[1]);
            assertTrue(r[1].contains("--paced: standard input ended before call 3"), r[1]);
            assertEquals(3, r[1].lines().filter(l -> l.startsWith("PACED ")).count(), r[1]);
        } finally {
            System.setIn(stdin);
        }
    }
}
