package org.nnpan.cli;

import java.util.Iterator;
import org.nnpan.models.ModelZoo;

/** Completion candidates and help text for {@code --model}: the model zoo's names. */
final class ModelNames implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
        return ModelZoo.names().iterator();
    }
}
