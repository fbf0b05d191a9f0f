"""Prints who may copy a WorkSpaces image, straight from the API.

usage: show_sharing.py ENDPOINT_URL IMAGE_ID [REGION]
"""
import sys

import boto3


def main() -> None:
    endpoint, image = sys.argv[1], sys.argv[2]
    region = sys.argv[3] if len(sys.argv) > 3 else "us-east-1"
    client = boto3.client("workspaces", endpoint_url=endpoint, region_name=region,
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    accounts = []
    kwargs = {"ImageId": image}
    while True:
        page = client.describe_workspace_image_permissions(**kwargs)
        accounts += [p["SharedAccountId"] for p in page.get("ImagePermissions", [])]
        if not page.get("NextToken"):
            break
        kwargs["NextToken"] = page["NextToken"]
    shown = ", ".join(sorted(accounts)) if accounts else "(nobody)"
    print(f"  WorkSpaces says {image} is shared with: {shown}")


if __name__ == "__main__":
    main()
