package kubelmagent.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import kubelmagent.model.CapacityHistory;
import kubelmagent.model.Ledger;
import kubelmagent.model.Member;
import kubelmagent.model.Ownership;
import kubelmagent.model.Retiring;
import kubelmagent.model.ServiceRef;
import kubelmagent.model.VirtualServiceId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** What each kind of step records, and when: the write-ahead guarantee, step by step. */
class StepTest {

    private static final VirtualServiceId VS3 = VirtualServiceId.of(3);
    private static final ServiceRef WEB = new ServiceRef("shop", "web");
    private static final Member A = new Member("10.244.1.1", 8080);
    private static final Member B = new Member("10.244.1.2", 8080);
    private static final Instant T = Instant.parse("2026-11-30T10:00:00Z");
    private static final Ledger BEFORE = Ledger.of(
            "https://10.0.0.2", Map.of(VS3, new Ownership(WEB, Set.of(A, B), Map.of(B, Retiring.gone(T, 1)))));

    static Stream<Arguments> steps() {
        return Stream.of(
                Arguments.of(new Change.AddRealServer(VS3, new Member("10.244.1.3", 8080), WEB), true),
                Arguments.of(new Change.DisableRealServer(VS3, A, WEB, Retiring.draining(T), "terminating"), true),
                Arguments.of(new Change.EnableRealServer(VS3, B, WEB), false),
                Arguments.of(new Change.RemoveRealServer(VS3, B, WEB, "gone"), false),
                Arguments.of(new LedgerStep.Release(VS3, Set.of(A), "removed by hand", false), true),
                Arguments.of(new LedgerStep.Mark(VS3, B, null), true),
                Arguments.of(new LedgerStep.AddsAhead(VS3, WEB, List.of(new Member("10.244.1.3", 8080))), true),
                Arguments.of(new LedgerStep.Adopt(VS3, new Member("10.244.1.4", 8080), WEB), true),
                Arguments.of(new LedgerStep.Owner(VS3, new ServiceRef("shop", "shop")), true),
                Arguments.of(new LedgerStep.Identify(VS3, "10.0.0.5:80/tcp"), true),
                Arguments.of(new LedgerStep.Missing(VS3, null), true),
                Arguments.of(new LedgerStep.Capacity(CapacityHistory.EMPTY), true),
                Arguments.of(new LedgerStep.LoadMaster("https://10.0.0.3"), true));
    }

    /**
     * An add and a disable are recorded before their call, so a crash in between never leaves a Real Server the
     * agent does not know it added or disabled; an enable and a remove after it, so a crash only repeats the call.
     */
    @ParameterizedTest(name = "{0}: recorded first {1}")
    @MethodSource("steps")
    void recordsBeforeItsCallExactlyWhenACrashInBetweenWouldOtherwiseLoseSomething(Step step, boolean first) {
        assertEquals(first, step.recordsFirst());
    }

    @Test
    void aChangeRecordsItsEffectOnItsVirtualServiceOnly() {
        Ledger after = new Change.RemoveRealServer(VS3, B, WEB, "gone").recorded(BEFORE);
        assertEquals(new Ownership(WEB, Set.of(A)), after.get(VS3));
        assertEquals(BEFORE.loadMaster(), after.loadMaster());
        assertEquals(BEFORE.capacity(), after.capacity());
    }

    @Test
    void ledgerWideStepsReplaceTheirPartOnly() {
        Ledger moved = new LedgerStep.LoadMaster("https://10.0.0.3").recorded(BEFORE);
        assertEquals("https://10.0.0.3", moved.loadMaster());
        assertEquals(BEFORE.owned(), moved.owned());
    }

    @Test
    void onlyChangesAndStepsAnOperatorCaresAboutAreLogged() {
        assertNull(new LedgerStep.Mark(VS3, B, null).done(BEFORE));
        assertNull(new LedgerStep.LoadMaster("https://10.0.0.2").done(Ledger.EMPTY), "a first start says nothing");
        assertEquals(
                new Step.Report(
                        Step.Priority.NOTICE,
                        "the ownership ledger now describes LoadMaster"
                                + " https://10.0.0.3 (it described https://10.0.0.2)"),
                new LedgerStep.LoadMaster("https://10.0.0.3").done(BEFORE));
        assertEquals(
                Step.Priority.ERR,
                new LedgerStep.Release(VS3, Set.of(A), "VS deleted", true)
                        .done(BEFORE)
                        .priority());
        assertEquals(
                new Step.Report(Step.Priority.NOTICE, "removed RS 10.244.1.2:8080 from VS 3 (shop/web): gone"),
                new Change.RemoveRealServer(VS3, B, WEB, "gone").done(BEFORE));
    }
}
