package kubelmagent.kube;

import static kubelmagent.kube.FakeApiServer.ALL_SERVICES;
import static kubelmagent.kube.FakeApiServer.DISCOVERY;
import static kubelmagent.kube.FakeApiServer.endpointSlices;
import static kubelmagent.kube.FakeApiServer.json;
import static kubelmagent.kube.FakeApiServer.merged;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import kubelmagent.model.DesiredState;
import kubelmagent.model.Problem;
import kubelmagent.model.VirtualServiceId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Services that cannot be bound to a Virtual Service: they are reported and skipped, the rest go on. */
class KubernetesSourceProblemsTest {

    private FakeApiServer api;
    private DesiredState state;
    private Map<String, String> messages;

    @BeforeEach
    void readServicesWithBadAnnotations() throws IOException {
        api = new FakeApiServer();
        api.start();
        api.on(DISCOVERY, json("discovery-v1.json"))
                .on(ALL_SERVICES, json("services-bad-vsids.json"))
                .on(
                        endpointSlices("shop", "api", "padded"),
                        merged("endpointslices-api.json", "endpointslices-empty.json"));
        try (KubernetesSource source = new KubernetesSource(api.connection(), List.of(), Selector.KEMP_DEFAULT)) {
            state = source.read();
        }
        messages = state.problems().stream().collect(Collectors.toMap(Problem::subject, Problem::message));
    }

    @AfterEach
    void stopServer() {
        api.close();
    }

    @Test
    void keepsTheReadCompleteAndReturnsTheValidServices() {
        assertTrue(state.complete());
        assertEquals(
                Map.of("shop/padded", VirtualServiceId.of(7), "shop/api", VirtualServiceId.of(4)),
                state.services().stream()
                        .collect(Collectors.toMap(s -> s.service().toString(), s -> s.vs())));
        assertEquals(7, state.problems().size(), messages::toString);
    }

    @Test
    void reportsAVsidThatIsNotANumber() {
        assertEquals(
                "shop/abc: annotation vsid=\"abc\" is not a Virtual Service id; set it to the Id of the Virtual"
                        + " Service on the LoadMaster, e.g. vsid: \"3\"",
                messages.get("shop/abc"));
    }

    @Test
    void reportsAMissingVsid() {
        assertEquals(
                "shop/unannotated: labelled kempLB=Enabled but has no vsid annotation; add vsid:"
                        + " \"<Virtual Service Id>\" or remove the label",
                messages.get("shop/unannotated"));
    }

    @ParameterizedTest
    @CsvSource({"shop/negative,-3", "shop/zero,0", "shop/plus,+5", "shop/huge,99999999999"})
    void reportsNegativeZeroSignedAndTooLargeVsids(String service, String value) {
        assertEquals(
                service + ": annotation vsid=\"" + value + "\" is not a Virtual Service id; set it to the Id of"
                        + " the Virtual Service on the LoadMaster, e.g. vsid: \"3\"",
                messages.get(service));
    }

    @Test
    void reportsAnExternalNameService() {
        assertEquals(
                "shop/external: is an ExternalName Service, which has no endpoints; the agent cannot put it"
                        + " behind a Virtual Service — remove the kempLB=Enabled label",
                messages.get("shop/external"));
    }

    @Test
    void readsNoEndpointsForSkippedServices() {
        assertEquals(
                List.of(DISCOVERY, ALL_SERVICES, "/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices"),
                api.paths());
        assertEquals(
                "kubernetes.io/service-name in (api,padded)",
                api.requests().get(2).getUrl().queryParameter("labelSelector"),
                "only the bound Services are named");
    }

    @Test
    void problemSubjectsAreTheServices() {
        assertEquals(
                List.of(
                        "shop/abc",
                        "shop/unannotated",
                        "shop/negative",
                        "shop/zero",
                        "shop/huge",
                        "shop/plus",
                        "shop/external"),
                state.problems().stream().map(Problem::subject).toList());
        assertTrue(state.problems().stream().allMatch(p -> p.message().startsWith(p.subject() + ": ")));
        assertEquals(
                state.problems().size(),
                state.problems().stream()
                        .collect(Collectors.toMap(Problem::subject, Function.identity()))
                        .size());
    }
}
