package org.nnpan.perf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * The process's resident memory as the Linux kernel reports it. Off-heap tensors, the Java heap and native
 * libraries all count, which is what a comparison with another framework's process needs.
 */
public final class ProcessMemory {
    private static final Path STATUS = Path.of("/proc/self/status");

    private ProcessMemory() {
    }

    /** Current resident set size in bytes, or empty where {@code /proc} is unavailable. */
    public static OptionalLong residentBytes() {
        return field("VmRSS:");
    }

    /** Peak resident set size since the process started, in bytes, or empty where {@code /proc} is unavailable. */
    public static OptionalLong peakResidentBytes() {
        return field("VmHWM:");
    }

    private static OptionalLong field(String key) {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith(key)) {
                    // "VmRSS:	  123456 kB"
                    String kb = line.substring(key.length()).trim().split("\\s+")[0];
                    return OptionalLong.of(Long.parseLong(kb) * 1024);
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux, or an unexpected format: memory is reported as unknown, never guessed.
        }
        return OptionalLong.empty();
    }
}
