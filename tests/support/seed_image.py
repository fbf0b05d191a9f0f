"""Creates a WorkSpaces custom image on a moto server and prints its ID.

moto only has an image after a directory, a registered directory, a
workspace and CreateWorkspaceImage, each needing what came before
(see shared notes: moto-workspaces.md).

usage: seed_image.py ENDPOINT_URL [REGION] [IMAGE_NAME]
"""
import sys
import uuid

import boto3


def main() -> None:
    endpoint = sys.argv[1]
    region = sys.argv[2] if len(sys.argv) > 2 else "us-east-1"
    name = sys.argv[3] if len(sys.argv) > 3 else f"golden-{uuid.uuid4().hex[:8]}"
    kw = dict(endpoint_url=endpoint, region_name=region,
              aws_access_key_id="testing", aws_secret_access_key="testing")
    ec2 = boto3.client("ec2", **kw)
    ds = boto3.client("ds", **kw)
    ws = boto3.client("workspaces", **kw)

    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]][:2]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=zone)["Subnet"]["SubnetId"]
        for i, zone in enumerate(zones)
    ]
    directory = ds.create_directory(
        Name="corp.example.com", ShortName="corp", Password="Secret-Passw0rd!", Size="Small",
        VpcSettings={"VpcId": vpc, "SubnetIds": subnets},
    )["DirectoryId"]
    ws.register_workspace_directory(DirectoryId=directory)
    created = ws.create_workspaces(
        Workspaces=[{"DirectoryId": directory, "UserName": "builder", "BundleId": "wsb-123456789"}]
    )
    workspace = created["PendingRequests"][0]["WorkspaceId"]
    image = ws.create_workspace_image(Name=name, Description="golden image", WorkspaceId=workspace)
    print(image["ImageId"])


if __name__ == "__main__":
    main()
