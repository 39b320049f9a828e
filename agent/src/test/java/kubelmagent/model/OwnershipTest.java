package kubelmagent.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The ledger's transitions, one VS entry at a time: pure functions from one entry to the next. */
class OwnershipTest {

    private static final ServiceRef WEB = new ServiceRef("shop", "web");
    private static final ServiceRef SHOP = new ServiceRef("shop", "shop");
    private static final Member A = new Member("10.244.1.1", 8080);
    private static final Member B = new Member("10.244.1.2", 8080);
    private static final Member C = new Member("10.244.1.3", 8080);
    private static final Instant T = Instant.parse("2026-11-30T10:00:00Z");
    private static final Retiring GONE = Retiring.gone(T, 1);
    private static final VsMissing MISSING = new VsMissing(T, 2);

    /** A, B owned for shop/web; B on its way out; VS identified; not missing. */
    private static final Ownership ENTRY = new Ownership(WEB, Set.of(A, B), Map.of(B, GONE), "10.0.0.5:80/tcp", null);

    static Stream<Arguments> transitions() {
        return Stream.of(
                Arguments.of(
                        "an add records the member, in service, for the Service that added it",
                        (UnaryOperator<Ownership>) o -> o.withMember(SHOP, C),
                        new Ownership(SHOP, Set.of(A, B, C), Map.of(B, GONE), "10.0.0.5:80/tcp", null)),
                Arguments.of(
                        "adding a member on its way out takes it back into service",
                        (UnaryOperator<Ownership>) o -> o.withMember(WEB, B),
                        new Ownership(WEB, Set.of(A, B), Map.of(), "10.0.0.5:80/tcp", null)),
                Arguments.of(
                        "a removal forgets the member and its way out",
                        (UnaryOperator<Ownership>) o -> o.without(List.of(B)),
                        new Ownership(WEB, Set.of(A), Map.of(), "10.0.0.5:80/tcp", null)),
                Arguments.of(
                        "forgetting a member that is not owned changes nothing",
                        (UnaryOperator<Ownership>) o -> o.without(List.of(C)),
                        ENTRY),
                Arguments.of(
                        "a disable records why and since when",
                        (UnaryOperator<Ownership>) o -> o.retiring(A, Retiring.draining(T)),
                        new Ownership(
                                WEB, Set.of(A, B), Map.of(A, Retiring.draining(T), B, GONE), "10.0.0.5:80/tcp", null)),
                Arguments.of(
                        "an enable puts the member back in service",
                        (UnaryOperator<Ownership>) o -> o.retiring(B, null),
                        new Ownership(WEB, Set.of(A, B), Map.of(), "10.0.0.5:80/tcp", null)),
                Arguments.of(
                        "a member the agent does not own cannot be put on its way out",
                        (UnaryOperator<Ownership>) o -> o.retiring(C, GONE),
                        ENTRY),
                Arguments.of(
                        "the members follow the Service bound to the VS now",
                        (UnaryOperator<Ownership>) o -> o.ownedBy(SHOP),
                        new Ownership(SHOP, Set.of(A, B), Map.of(B, GONE), "10.0.0.5:80/tcp", null)),
                Arguments.of(
                        "the VS's identity is recorded",
                        (UnaryOperator<Ownership>) o -> o.identifiedAs("10.0.0.6:443/tcp"),
                        new Ownership(WEB, Set.of(A, B), Map.of(B, GONE), "10.0.0.6:443/tcp", null)),
                Arguments.of(
                        "an Unknown VS answer is counted",
                        (UnaryOperator<Ownership>) o -> o.missing(MISSING),
                        new Ownership(WEB, Set.of(A, B), Map.of(B, GONE), "10.0.0.5:80/tcp", MISSING)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transitions")
    void eachTransitionGivesTheNextEntryAndLeavesTheOldOneAsItWas(
            String rule, UnaryOperator<Ownership> transition, Ownership expected) {
        Ownership before =
                new Ownership(ENTRY.service(), ENTRY.members(), ENTRY.retiring(), ENTRY.vsIdentity(), ENTRY.missing());
        assertEquals(expected, transition.apply(ENTRY), rule);
        assertEquals(before, ENTRY, "a transition changes no value");
    }

    @Test
    void anEntryStartsFromNoneAndEndsEmptyWhenItsLastMemberGoes() {
        Ownership added = Ownership.NONE.withMember(WEB, A);
        assertEquals(new Ownership(WEB, Set.of(A)), added);
        assertTrue(added.without(List.of(A)).isEmpty());
        assertTrue(Ownership.NONE.isEmpty());
        assertNull(Ownership.NONE.service());
    }

    @Test
    void aMemberOnItsWayOutThatIsNoLongerOwnedIsDropped() {
        Ownership o = new Ownership(WEB, Set.of(A), Map.of(A, GONE, B, GONE));
        assertEquals(Map.of(A, GONE), o.retiring());
    }

    @Test
    void keepsItsMembersSortedWhateverOrderTheyCameIn() {
        Ownership o = new Ownership(WEB, Set.of(C, A, B), Map.of(C, GONE, A, GONE));
        assertEquals(List.of(A, B, C), List.copyOf(o.members()));
        assertEquals(List.of(A, C), List.copyOf(o.retiring().keySet()));
    }

    @Test
    void aMemberThatIsNotOwnedIsLeftAloneByRetiring() {
        assertSame(ENTRY, ENTRY.retiring(C, null));
    }
}
