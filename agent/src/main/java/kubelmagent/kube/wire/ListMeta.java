package kubelmagent.kube.wire;

import com.google.gson.annotations.SerializedName;

/**
 * {@code metadata} of a list.
 *
 * @param continueToken {@code continue}: where the next page starts; null or empty on the last page
 */
public record ListMeta(@SerializedName("continue") String continueToken, String resourceVersion) {

    public boolean hasMore() {
        return continueToken != null && !continueToken.isEmpty();
    }
}
