package kubelmagent.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import kubelmagent.kube.ServiceAnnotations.PortBinding;
import kubelmagent.model.Backends;
import kubelmagent.model.VirtualServiceId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ServiceAnnotationsTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"pods, PODS", "pod, PODS", "nodeport, NODE_PORTS", "NodePort, NODE_PORTS", "' nodeports ', NODE_PORTS"})
    void readsTheMode(String value, Backends expected) {
        assertEquals(expected, ServiceAnnotations.mode(value, Backends.PODS).value());
    }

    @Test
    void aServiceWithoutTheModeAnnotationTakesTheDefault() {
        assertEquals(
                Backends.NODE_PORTS,
                ServiceAnnotations.mode(null, Backends.NODE_PORTS).value());
        assertEquals(Backends.PODS, ServiceAnnotations.mode(null, Backends.PODS).value());
    }

    @Test
    void aWrongModeSaysWhatTheValuesAre() {
        ServiceAnnotations.Parsed<Backends> parsed = ServiceAnnotations.mode("hostport", Backends.PODS);
        assertNull(parsed.value());
        assertEquals(
                "annotation kube-lm-agent/mode=\"hostport\" is not a mode; set it to \"pods\" (Real Servers are the"
                        + " pods) or \"nodeport\" (Real Servers are the nodes, on the Service's nodePort), or remove it",
                parsed.problem());
    }

    @Test
    void readsOnePortBindingPerEntryWithSpacesAllowed() {
        assertEquals(
                List.of(
                        new PortBinding("http", VirtualServiceId.of(3)),
                        new PortBinding("https", VirtualServiceId.of(7)),
                        new PortBinding("8080", VirtualServiceId.of(9)),
                        new PortBinding("http", VirtualServiceId.of(12))),
                ServiceAnnotations.vsids(" http=3, https = 7,8080=9,http=12").value());
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @CsvSource(
            delimiter = '|',
            value = {
                "http=3,https | annotation kube-lm-agent/vsids=\"http=3,https\" has the entry \"https\", which is not"
                        + " <port name>=<Virtual Service id>; write each entry so (e.g. kube-lm-agent/vsids:"
                        + " \"http=3,https=7\")",
                "http=3,,https=7 | annotation kube-lm-agent/vsids=\"http=3,,https=7\" has an empty entry, which is not"
                        + " <port name>=<Virtual Service id>; write each entry so (e.g. kube-lm-agent/vsids:"
                        + " \"http=3,https=7\")",
                "=3 | annotation kube-lm-agent/vsids=\"=3\" has the entry \"=3\", which is not <port name>=<Virtual"
                        + " Service id>; write each entry so (e.g. kube-lm-agent/vsids: \"http=3,https=7\")",
                "http=0 | annotation kube-lm-agent/vsids=\"http=0\" has the entry \"http=0\", which is not <port"
                        + " name>=<Virtual Service id>; write each entry so (e.g. kube-lm-agent/vsids:"
                        + " \"http=3,https=7\")",
                "http=3,https=3 | annotation kube-lm-agent/vsids=\"http=3,https=3\" names VS 3 twice; a Virtual Service"
                        + " is fed by one Service port, so list it once",
                "'  ' | annotation kube-lm-agent/vsids is empty; list each Service port and its Virtual Service (e.g."
                        + " kube-lm-agent/vsids: \"http=3,https=7\")"
            })
    void aWrongPortBindingSaysWhichEntryAndHowToWriteIt(String value, String expected) {
        ServiceAnnotations.Parsed<List<PortBinding>> parsed = ServiceAnnotations.vsids(value);
        assertNull(parsed.value());
        assertEquals(expected, parsed.problem());
    }
}
