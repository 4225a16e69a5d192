package org.nnpan.golden;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Regenerates the {@code nnpan-export} fixture (see {@link NnpanExport}) into the folder named by the system property
 * {@value #DIR_PROPERTY}; skipped otherwise. Regenerate only on purpose, then rerun
 * {@code tests/reference/check_torch_loads_nnpan.py} on the new files and commit them:
 * {@code mvn -pl tests -am test -Dtest=NnpanExportWriter -Dsurefire.failIfNoSpecifiedTests=false
 * -Dnnpan.export.dir=$PWD/tests/src/test/resources/fixtures/nnpan-export}.
 */
@EnabledIfSystemProperty(named = NnpanExportWriter.DIR_PROPERTY, matches = ".+")
class NnpanExportWriter {
    static final String DIR_PROPERTY = "nnpan.export.dir";

    @Test
    void writeFixture() throws Exception {
        Path root = Path.of(System.getProperty(DIR_PROPERTY));
        for (NnpanExport.Case c : NnpanExport.CASES) {
            NnpanExport.write(c, root);
        }
    }
}
