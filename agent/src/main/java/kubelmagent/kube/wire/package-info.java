/**
 * The parts of Kubernetes API objects the agent reads, as Gson records. Only the fields the agent
 * uses are declared; Gson ignores the rest. Absent lists and maps become empty, absent scalars stay
 * null, so readers must treat null as "not set".
 */
package kubelmagent.kube.wire;
