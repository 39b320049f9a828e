package kubelmagent.model;

import java.time.Instant;

/**
 * A Virtual Service the ledger holds Real Servers of, which the LoadMaster answered {@code Unknown VS} for in
 * consecutive passes. One answer proves little (a configuration restore in progress, {@code loadmaster.url}
 * briefly on another unit), so the ledger lets go of its Real Servers only after enough of them.
 *
 * @param since  the first of these answers
 * @param passes how many passes in a row have had it
 */
public record VsMissing(Instant since, int passes) {}
