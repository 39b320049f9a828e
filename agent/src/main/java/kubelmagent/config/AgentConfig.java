package kubelmagent.config;

import java.nio.file.Path;
import java.util.List;
import kubelmagent.ha.HaSettings;
import kubelmagent.kube.KubernetesConnection;
import kubelmagent.kube.NodeModeSettings;
import kubelmagent.kube.Selector;
import kubelmagent.loadmaster.LoadMasterConnection;
import kubelmagent.model.Networks;
import kubelmagent.plan.BindingPolicy;
import kubelmagent.plan.RemovalPolicy;

/**
 * The validated contents of {@code agent.yaml}.
 *
 * @param kubernetes  how to reach the Kubernetes API
 * @param namespaces  namespaces to watch; empty means all
 * @param selector    label and annotation keys
 * @param loadMaster  how to reach the LoadMaster
 * @param schedule    when passes run
 * @param watch       whether a change seen by a watch on the Kubernetes API starts a pass too ({@code sync.watch})
 * @param stateDir    where the ownership ledger lives
 * @param removals    how cautiously Real Servers are taken out ({@code sync.drainTimeout},
 *                    {@code sync.removalConfirmations}, {@code sync.maxRemovalFraction},
 *                    {@code sync.maxRemovalMinimum})
 * @param policy      which namespaces may bind which Virtual Services ({@code policy.bindings})
 * @param networks    the pod and node networks ({@code kubernetes.podCidrs}, {@code kubernetes.nodeCidrs}):
 *                    addresses outside them never become Real Servers, and only Real Servers inside them can be
 *                    adopted with {@code --adopt}
 * @param modes       {@code kubernetes.defaultMode} and {@code kubernetes.nodeAddress}
 * @param metricsListen where to serve /metrics, /healthz and /readyz ({@code metrics.listen}); null: off
 * @param readyWithin /readyz is ready while the last successful pass is at most this old (3 passes)
 * @param instance    the name of this agent among several on one host: its configuration file's name without
 *                    {@code .yaml} ({@code agent} for {@code agent.yaml}, {@code prod} for the instance {@code
 *                    kube-lm-agent@prod}'s {@code prod.yaml})
 * @param ha          two agents with one active ({@code ha}): the Lease and the shared ledger; null for an agent
 *                    on its own
 * @param warnings    what is risky but allowed, such as a credential file other users can read; each
 *                    line names the key and says how to fix it. Log them at warning when the agent
 *                    starts and with {@code --check-config}
 */
public record AgentConfig(
        KubernetesConnection kubernetes,
        List<String> namespaces,
        Selector selector,
        LoadMasterConnection loadMaster,
        Schedule schedule,
        boolean watch,
        Path stateDir,
        RemovalPolicy removals,
        BindingPolicy policy,
        Networks networks,
        NodeModeSettings modes,
        java.net.InetSocketAddress metricsListen,
        java.time.Duration readyWithin,
        String instance,
        HaSettings ha,
        List<String> warnings) {

    public AgentConfig {
        namespaces = List.copyOf(namespaces);
        warnings = List.copyOf(warnings);
    }
}
