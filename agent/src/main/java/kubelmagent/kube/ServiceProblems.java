package kubelmagent.kube;

import kubelmagent.log.Text;
import kubelmagent.model.Problem;
import kubelmagent.model.ServiceRef;

/** The Problems about one Service: each message names the Service, what is wrong, and the fix. */
final class ServiceProblems {

    private static final int MAX_VALUE_SHOWN = 40;

    private ServiceProblems() {}

    static Problem missingVsid(ServiceRef service, Selector selector) {
        return problem(
                service,
                "labelled " + selector.labelSelector() + " but has no " + selector.vsidAnnotation()
                        + " annotation; add " + selector.vsidAnnotation()
                        + ": \"<Virtual Service Id>\" or remove the label");
    }

    static Problem invalidVsid(ServiceRef service, Selector selector, String value) {
        return problem(
                service,
                "annotation " + selector.vsidAnnotation() + "=" + Text.quote(value, MAX_VALUE_SHOWN)
                        + " is not a Virtual Service id; set it to the Id of the Virtual Service on the LoadMaster, e.g. "
                        + selector.vsidAnnotation() + ": \"3\"");
    }

    static Problem externalName(ServiceRef service, Selector selector) {
        return problem(
                service,
                "is an ExternalName Service, which has no endpoints; the agent cannot put it behind"
                        + " a Virtual Service — remove the " + selector.labelSelector() + " label");
    }

    static Problem endpointsUnreadable(ServiceRef service, KubernetesApiException why) {
        return problem(service, "left out of this pass because its endpoints could not be read: " + why.getMessage());
    }

    static Problem notReadAfterUnreachable(ServiceRef service, String failedNamespace) {
        return problem(
                service,
                "left out of this pass because the Kubernetes API stopped answering while the endpoints in namespace "
                        + failedNamespace + " were read (see the problems of its Services)");
    }

    private static Problem problem(ServiceRef service, String text) {
        return Problem.of(service, service + ": " + text);
    }
}
