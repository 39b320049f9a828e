package kubelmagent.kube;

import java.util.ArrayList;
import java.util.List;
import kubelmagent.kube.wire.ServiceList;
import kubelmagent.log.Text;
import kubelmagent.model.Problem;
import kubelmagent.model.ServicePort;
import kubelmagent.model.ServiceRef;
import kubelmagent.model.VirtualServiceId;

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

    static Problem endpointsUnreadable(ServiceRef service, VirtualServiceId vs, KubernetesApiException why) {
        return problem(
                service, vs, "left out of this pass because its endpoints could not be read: " + why.getMessage());
    }

    static Problem notReadAfterUnreachable(ServiceRef service, VirtualServiceId vs, String failedNamespace) {
        return problem(
                service,
                vs,
                "left out of this pass because the Kubernetes API stopped answering while the endpoints in namespace "
                        + failedNamespace + " were read (see the problems of its Services)");
    }

    static Problem annotation(ServiceRef service, String whatIsWrong) {
        return problem(service, whatIsWrong);
    }

    static Problem vsidAndVsids(ServiceRef service, Selector selector) {
        return problem(
                service,
                "has both the " + selector.vsidAnnotation() + " and the " + ServiceAnnotations.VSIDS
                        + " annotation; keep " + selector.vsidAnnotation() + " to bind the Service to one Virtual"
                        + " Service, or " + ServiceAnnotations.VSIDS + " to bind its ports to several, not both");
    }

    static Problem noSuchPort(ServiceRef service, String port, VirtualServiceId vs, List<ServiceList.Port> ports) {
        String named = ports.stream()
                .filter(p -> p.name() != null
                        && !p.name().isEmpty()
                        && String.valueOf(p.port()).equals(port))
                .map(ServiceList.Port::name)
                .findFirst()
                .orElse(null);
        return problem(
                service,
                vs,
                ServiceAnnotations.VSIDS + " binds VS " + vs + " to port " + Text.quote(port, 30)
                        + (named != null
                                ? ", but that port has a name: write " + named + "=" + vs
                                : ", which the Service does not have (its ports: " + describe(ports)
                                        + "); name one of them, or its number if it has no name")
                        + "; VS " + vs + " is left as it is");
    }

    static Problem notNodePortType(ServiceRef service, String type) {
        return problem(
                service,
                "is in NodePort mode (" + ServiceAnnotations.MODE + ", or kubernetes.defaultMode) but is of type "
                        + (type == null ? "ClusterIP" : type) + ", which opens no port on the nodes; make it type"
                        + " NodePort or LoadBalancer, or set " + ServiceAnnotations.MODE + ": pods");
    }

    static Problem noNodePort(ServiceRef service, VirtualServiceId vs, List<ServiceList.Port> without) {
        return problem(
                service,
                vs,
                "is in NodePort mode but its port(s) " + describe(without) + " have no nodePort (is"
                        + " allocateLoadBalancerNodePorts false?), so the nodes cannot be Real Servers for them; give"
                        + " them a nodePort, or set " + ServiceAnnotations.MODE + ": pods");
    }

    static Problem endpointNodesUnknown(ServiceRef service, VirtualServiceId vs) {
        return problem(
                service,
                vs,
                "has externalTrafficPolicy: Local, but none of its endpoints says which node it runs on (nodeName), so"
                        + " the nodes that serve it are unknown and VS " + vs + " is left as it is; set"
                        + " externalTrafficPolicy: Cluster, or give the endpoints their nodeName");
    }

    static Problem nodesUnreadable(ServiceRef service, VirtualServiceId vs, KubernetesApiException why) {
        return problem(
                service,
                vs,
                "left out of this pass because it is in NodePort mode and the nodes could not be read: "
                        + why.getMessage());
    }

    private static String describe(List<ServiceList.Port> ports) {
        List<String> names = new ArrayList<>();
        for (ServiceList.Port p : ports) {
            names.add(ServicePort.describe(p.name(), p.port(), p.protocol()));
        }
        return names.isEmpty() ? "none" : String.join(", ", names);
    }

    private static Problem problem(ServiceRef service, String text) {
        return Problem.of(service, service + ": " + text);
    }

    private static Problem problem(ServiceRef service, VirtualServiceId vs, String text) {
        return Problem.of(service, vs, service + ": " + text);
    }
}
