package kubelmagent.kube.wire;

/** The body of an API error: {@code {"kind": "Status", "status": "Failure", "message": ..., "reason": ..., "code": ...}}. */
public record Status(String kind, String status, String message, String reason, Integer code) {}
